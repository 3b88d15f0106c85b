// Reference values for tests/unit/checksum_test.cpp, computed by the JDK so that they do not
// depend on strata's C++ code.
//
//   javac -d /tmp/gen tests/unit/gen_vectors/ChecksumVectors.java
//   java -cp /tmp/gen ChecksumVectors tests/unit/vectors/checksum
//
// For every file in the directory it prints one C++ initializer {name, bytes, checksum} where
// checksum is computed the way flyway-compat.md describes Flyway's: the file decoded as UTF-8 and
// split by java.io.BufferedReader.readLine (4096-char buffer, as Flyway uses), U+FEFF dropped
// from the start of the first line, each line's UTF-8 bytes fed to one java.util.zip.CRC32 with
// nothing between lines, the value narrowed to a signed int. It then prints String.hashCode() of
// quoted history-table names and the advisory-lock keys derived from them.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.CRC32;

public class ChecksumVectors {
  static int checksum(Path file) throws IOException {
    CRC32 crc = new CRC32();
    // newDecoder() reports malformed input instead of replacing it, so a vector that is not
    // valid UTF-8 fails here rather than yielding a value Flyway would never produce.
    try (BufferedReader in = new BufferedReader(
        new InputStreamReader(Files.newInputStream(file), StandardCharsets.UTF_8.newDecoder()), 4096)) {
      boolean first = true;
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (first && line.startsWith("\uFEFF")) line = line.substring(1);
        first = false;
        crc.update(line.getBytes(StandardCharsets.UTF_8));
      }
    }
    return (int) crc.getValue();
  }

  static void appendEscaped(StringBuilder out, byte[] bytes, int from, int to) {
    out.append('"');
    for (int i = from; i < to; i++) {
      int b = bytes[i] & 0xff;
      if (b == '\n') {
        out.append("\\n\"");
        if (i + 1 < to) out.append("\n       \"");
        else return;
      } else if (b == '\r') out.append("\\r");
      else if (b == '\t') out.append("\\t");
      else if (b == '"') out.append("\\\"");
      else if (b == '\\') out.append("\\\\");
      else if (b >= 0x20 && b < 0x7f) out.append((char) b);
      else out.append(String.format("\\%03o", b));  // octal: never swallows the next character
    }
    out.append('"');
  }

  // The file's bytes as a C++ std::string expression; long runs of one byte become std::string(n, c).
  static String cppBytes(byte[] bytes) {
    StringBuilder out = new StringBuilder();
    int start = 0;
    int i = 0;
    boolean any = false;
    while (i < bytes.length) {
      int j = i;
      while (j < bytes.length && bytes[j] == bytes[i]) j++;
      if (j - i >= 32 && bytes[i] >= 0x20 && bytes[i] < 0x7f && bytes[i] != '\'' && bytes[i] != '\\') {
        if (start < i) {
          out.append(any ? " + std::string(" : "std::string(");
          appendEscaped(out, bytes, start, i);
          out.append(", ").append(i - start).append(')');
          any = true;
        }
        out.append(any ? " + " : "").append("std::string(").append(j - i).append(", '")
            .append((char) bytes[i]).append("')");
        any = true;
        start = j;
      }
      i = j;
    }
    if (start < bytes.length || !any) {
      out.append(any ? " + std::string(" : "std::string(");
      appendEscaped(out, bytes, start, bytes.length);
      out.append(", ").append(bytes.length - start).append(')');
    }
    return out.toString();
  }

  static void hash(String s) {
    int h = s.hashCode();
    System.out.printf("// hashCode(%s) = %d  lock key = %d%n", s, h, 77431708279161L + h);
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "tests/unit/vectors/checksum");
    List<Path> files;
    try (var s = Files.list(dir)) {
      files = s.filter(Files::isRegularFile).sorted().collect(Collectors.toList());
    }
    for (Path f : files) {
      System.out.printf("    {\"%s\",%n     %s,%n     %d},%n", f.getFileName(), cppBytes(Files.readAllBytes(f)),
          checksum(f));
    }
    hash("\"public\".\"flyway_schema_history\"");
    hash("\"my schema\".\"Hist\"");
    hash("\"caf\u00e9\".\"flyway_schema_history\"");
    hash("\"\uD83D\uDE80\".\"flyway_schema_history\"");  // U+1F680: a surrogate pair in UTF-16
    hash("\"public\".\"\u65e5\u672c\"");
    hash("\"caf\u00e9\".\"hist\u00f3rico\"");
    hash("\"s\".\"t\uD83D\uDE00\"");  // U+1F600
    hash("\"public\".\"FLYWAY_SCHEMA_HISTORY\"");
  }
}

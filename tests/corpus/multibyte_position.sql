CREATE TABLE café (naïve text);
INSERT INTO café (naïve) VALUES ('ü');
SELECT naïve, missing_column FROM café;

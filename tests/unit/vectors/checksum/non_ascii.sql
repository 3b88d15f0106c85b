-- café 日本語 🚀
INSERT INTO t (name) VALUES ('crème brûlée'), ('東京'), ('😀👍');

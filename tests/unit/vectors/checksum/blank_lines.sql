CREATE TABLE a (id int);




INSERT INTO a VALUES (1);


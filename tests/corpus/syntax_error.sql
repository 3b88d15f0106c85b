CREATE TABLE good (id int);
-- the comma before FROM is the error
SELECT id, FROM good;
CREATE TABLE never_reached (id int);

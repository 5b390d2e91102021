-- The fingerprint of the marts the database holds (mart_build), to compare with the program's.
SELECT fingerprint FROM mart_build;

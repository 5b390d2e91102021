-- Short labels of remittance advice remark codes (queries/reference/rarc.csv), for people.
SELECT code, label FROM rarc_label;

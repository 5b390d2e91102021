-- Short labels of claim adjustment reason codes (queries/reference/carc.csv), for people.
SELECT code, label FROM carc_label;

"""Who may see what: users and roles, sessions, the access log and the pseudonyms that stand in
for identities. The CLI manages users; the dashboard signs people in and enforces roles."""

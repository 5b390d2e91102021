-- A user that `unlisted demo` made: its sign-in page names them (never their passwords).
INSERT OR IGNORE INTO demo_user (name) VALUES (:name)

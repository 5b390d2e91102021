INSERT OR IGNORE INTO app_secret (name, value) VALUES (:name, :value)

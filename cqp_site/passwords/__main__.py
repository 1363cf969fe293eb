from . import LIST_PATH, write_list

print(f"{write_list()} mots de passe écrits dans {LIST_PATH}")

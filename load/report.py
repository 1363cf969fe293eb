"""Prints a locust run's figures per page and checks the budgets: 0 errors, p95 of a grid save under the
budget given (ms). Exit code 1 when a budget is missed."""

import csv
import sys


def main(stats_csv, save_budget_ms):
    rows = list(csv.DictReader(open(stats_csv, encoding="utf-8")))
    print(f"{'page':<40} {'requêtes':>9} {'erreurs':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7}")
    ok = True
    for row in rows:
        print(
            f"{row['Name']:<40} {row['Request Count']:>9} {row['Failure Count']:>8} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7}"
        )
        if row["Name"] == "Aggregated" and int(row["Failure Count"]):
            ok = False
        if row["Name"] == "enregistrement de la grille" and float(row["95%"]) > save_budget_ms:
            print(f"p95 de l'enregistrement au-dessus du budget de {save_budget_ms} ms")
            ok = False
    print("budget tenu" if ok else "BUDGET MANQUÉ")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))

"""Prints a locust run's figures per page, each page's p50 and p95 as a ratio to the trivial page of the
same run (the same server, the same load: what the machine's noise cannot explain), and checks the
budgets: 0 errors, p95 of a grid save under the budget given (ms). Exit code 1 when a budget is missed."""

import csv
import sys


def main(stats_csv, save_budget_ms):
    rows = list(csv.DictReader(open(stats_csv, encoding="utf-8")))
    trivial = next(row for row in rows if row["Name"].startswith("page triviale"))
    print(
        f"{'page':<40} {'requêtes':>9} {'erreurs':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p50/triviale':>13} {'p95/triviale':>13}"
    )
    ok = True
    for row in rows:
        print(
            f"{row['Name']:<40} {row['Request Count']:>9} {row['Failure Count']:>8} "
            f"{float(row['Requests/s']):>7.1f} {row['50%']:>7} {row['95%']:>7} "
            f"{ratio(row['50%'], trivial['50%']):>13} {ratio(row['95%'], trivial['95%']):>13}"
        )
        if row["Name"] == "Aggregated" and int(row["Failure Count"]):
            ok = False
        if row["Name"] == "enregistrement de la grille" and float(row["95%"]) > save_budget_ms:
            print(f"p95 de l'enregistrement au-dessus du budget de {save_budget_ms} ms")
            ok = False
    print("budget tenu" if ok else "BUDGET MANQUÉ")
    return 0 if ok else 1


def ratio(value, trivial):
    return f"{float(value) / float(trivial):.1f}x" if value != "N/A" and float(trivial) else "—"


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], float(sys.argv[2])))

"""Generates the bundled churn dataset: data/churn.csv (training) and data/churn_holdout.csv.

Synthetic subscription customers whose churn depends on tenure, contract, charges,
support calls and late payments the way it tends to in telecom data, with noise.
Deterministic (fixed seed): running it again reproduces the committed files byte for byte.

    python3 make_dataset.py
"""

from pathlib import Path

import numpy as np

SEED = 20240611
TRAIN_ROWS = 4000
HOLDOUT_ROWS = 1000
HERE = Path(__file__).resolve().parent

COLUMNS = [
    "customer_id",
    "tenure_months",
    "contract_months",
    "monthly_charges",
    "total_charges",
    "support_calls",
    "late_payments",
    "auto_pay",
    "has_fiber",
    "senior",
    "num_products",
    "churned",
]


def generate(n: int, rng: np.random.Generator) -> dict:
    contract = rng.choice([1, 12, 24], size=n, p=[0.55, 0.25, 0.20])
    # Customers on longer contracts have usually been around longer.
    tenure = np.clip(rng.gamma(shape=1.4 + contract / 12, scale=11.0), 0, 72).round().astype(int)
    has_fiber = rng.binomial(1, 0.45, size=n)
    senior = rng.binomial(1, 0.16, size=n)
    auto_pay = rng.binomial(1, np.where(contract > 1, 0.65, 0.4))
    num_products = np.clip(1 + rng.poisson(1.0, size=n), 1, 6)
    monthly = 18 + 55 * rng.beta(2, 2.5, size=n) + 22 * has_fiber + 6 * (num_products - 1) + rng.normal(0, 3, size=n)
    monthly = np.clip(monthly, 18, 130).round(2)
    total = np.maximum(monthly * tenure + rng.normal(0, 25, size=n) * (tenure > 0), 0).round(2)
    support_calls = rng.poisson(0.8 + 0.9 * has_fiber + 0.6 * senior, size=n)
    late_payments = rng.poisson(np.where(auto_pay == 1, 0.15, 0.9), size=n)

    logit = (
        -1.35
        - 0.055 * tenure
        + 1.05 * (contract == 1)
        - 0.75 * (contract == 24)
        + 0.022 * (monthly - 65)
        + 0.38 * support_calls
        + 0.42 * late_payments
        - 0.45 * auto_pay
        + 0.35 * senior
        + 0.30 * has_fiber
        - 0.22 * (num_products - 1)
        + rng.normal(0, 0.6, size=n)
    )
    churned = rng.binomial(1, 1 / (1 + np.exp(-logit)))
    return {
        "tenure_months": tenure,
        "contract_months": contract,
        "monthly_charges": monthly,
        "total_charges": total,
        "support_calls": support_calls,
        "late_payments": late_payments,
        "auto_pay": auto_pay,
        "has_fiber": has_fiber,
        "senior": senior,
        "num_products": num_products,
        "churned": churned,
    }


def write(path: Path, data: dict, start: int, stop: int) -> None:
    lines = [",".join(COLUMNS)]
    for i in range(start, stop):
        row = [f"C{i + 1:05d}"]
        for col in COLUMNS[1:]:
            v = data[col][i]
            row.append(f"{v:.2f}" if col in ("monthly_charges", "total_charges") else str(int(v)))
        lines.append(",".join(row))
    path.write_text("\n".join(lines) + "\n")


def main() -> None:
    rng = np.random.default_rng(SEED)
    n = TRAIN_ROWS + HOLDOUT_ROWS
    data = generate(n, rng)
    out = HERE / "data"
    out.mkdir(exist_ok=True)
    write(out / "churn.csv", data, 0, TRAIN_ROWS)
    write(out / "churn_holdout.csv", data, TRAIN_ROWS, n)
    rate = data["churned"].mean()
    print(f"wrote {TRAIN_ROWS} training and {HOLDOUT_ROWS} holdout rows; churn rate {rate:.1%}")


if __name__ == "__main__":
    main()

//! How long one invoice PDF takes to render (issue 16's target: under
//! 20 ms), and a receipt: each document rendered many times in this
//! process, after a warm-up that loads the embedded fonts, with the
//! median, 99th percentile and slowest time printed.
//!
//! ```sh
//! cargo bench --bench pdf                    # 200 of each
//! cargo bench --bench pdf -- --runs 1000 --lines 40
//! ```

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use plenary::documents::{
    render_invoice, render_receipt, DocumentKind, InvoiceDocument, Issuer, Line, ReceiptDocument,
};
use plenary::values::money::Money;

fn issuer() -> Issuer {
    Issuer {
        name: "The Co-operative Party".into(),
        address: "65 St John Street\nLondon EC1M 4AN".into(),
        payment_details: "Co-operative Bank\nSort code 08-92-99\nAccount 65432109".into(),
    }
}

/// An invoice for `delegates` delegates, each with a pass and a dinner.
fn invoice(delegates: usize) -> InvoiceDocument {
    let lines: Vec<Line> = (0..delegates)
        .flat_map(|i| {
            [
                Line {
                    description: format!("Delegate {i} Lovelace-Owen: delegate pass"),
                    tier: "Early bird".into(),
                    amount: Money::from_minor(9000),
                },
                Line {
                    description: format!("Delegate {i} Lovelace-Owen: conference dinner"),
                    tier: "Early bird".into(),
                    amount: Money::from_minor(4500),
                },
            ]
        })
        .collect();
    let total = Money::from_minor(13500 * delegates as i64);
    InvoiceDocument {
        kind: DocumentKind::Invoice,
        number: "INV-0001".into(),
        issuer: issuer(),
        organisation_name: "Cardiff and Vale Co-operative Party".into(),
        billing_address: Some("The Treasurer\n12 Bute Street\nCardiff CF10 5AA".into()),
        conference_name: "Co-operative Party Annual Conference 2016".into(),
        reference: "PL-7K3M-9QXA".into(),
        lines,
        currency: "GBP".into(),
        total,
        amount_paid: Some(Money::ZERO),
        balance: Some(total),
        issued_on: NaiveDate::from_ymd_opt(2016, 5, 1).unwrap(),
        due_on: NaiveDate::from_ymd_opt(2016, 5, 31),
        credits: None,
    }
}

fn receipt() -> ReceiptDocument {
    ReceiptDocument {
        refund: false,
        issuer: issuer(),
        organisation_name: "Cardiff and Vale Co-operative Party".into(),
        conference_name: "Co-operative Party Annual Conference 2016".into(),
        reference: "PL-7K3M-9QXA".into(),
        received_on: NaiveDate::from_ymd_opt(2016, 5, 2).unwrap(),
        amount: Money::from_minor(13500),
        method: "bank transfer".into(),
        payment_reference: "BACS 0042".into(),
        currency: "GBP".into(),
        total: Money::from_minor(13500),
        amount_paid: Money::from_minor(13500),
        balance: Money::ZERO,
    }
}

fn arg(name: &str, default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Renders `runs` times; prints the median, p99 and slowest, and the size.
fn time(name: &str, runs: usize, render: impl Fn() -> Vec<u8>) {
    let bytes = render().len();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(render());
            start.elapsed()
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "| {name} | {runs} | {:.2} | {:.2} | {:.2} | {:.1} |",
        ms(times[runs / 2]),
        ms(times[(runs * 99 / 100).min(runs - 1)]),
        ms(times[runs - 1]),
        bytes as f64 / 1024.0
    );
}

fn main() {
    let runs = arg("--runs", 200).max(1);
    let lines = arg("--lines", 4);
    println!("| document | runs | median ms | p99 ms | slowest ms | KiB |");
    println!("| --- | --- | --- | --- | --- | --- |");
    let one = invoice(2);
    time("invoice, 2 delegates", runs, || render_invoice(&one));
    let many = invoice(lines.max(1) * 5);
    time(
        &format!("invoice, {} delegates", lines.max(1) * 5),
        runs,
        || render_invoice(&many),
    );
    let r = receipt();
    time("receipt", runs, || render_receipt(&r));
}

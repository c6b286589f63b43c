//! The sample workspace's tickets (`data/tickets.csv`, a Jira export): what the shop's people filed over the
//! six weeks — two problems that keep coming back, tickets that report the review week's situations (so the
//! ticket review links them to their findings), one-offs, and a title holding markup that must stay text.

use std::fmt::Write as _;

use chrono::{Duration, NaiveDate};

/// (key, weeks before the review week, weekday 0 = Monday, hour, minute, summary, priority, component, team,
/// description).
type Row = (&'static str, i64, i64, u32, u32, &'static str, &'static str, &'static str, &'static str, &'static str);

const ROWS: &[Row] = &[
    (
        "OPS-101",
        4,
        1,
        10,
        20,
        "Card gateway returns 502 on authorise",
        "Medium",
        "payments-api",
        "Payments",
        "Gateway logs show upstream 502 for a handful of orders.",
    ),
    (
        "OPS-108",
        3,
        3,
        16,
        0,
        "Kafka consumer lag on orders topic",
        "Medium",
        "kafka",
        "Platform",
        "orders-consumer group behind by 40k messages.",
    ),
    ("OPS-110", 3, 4, 9, 30, "Typo on the returns page footer", "Lowest", "checkout-web", "Checkout", ""),
    (
        "OPS-115",
        2,
        2,
        11,
        5,
        "502 Bad Gateway from the card gateway when paying",
        "Medium",
        "payments-api",
        "Payments",
        "Retries succeed after a few seconds.",
    ),
    (
        "OPS-117",
        2,
        3,
        13,
        45,
        "Search results empty for accented queries",
        "Medium",
        "search-api",
        "Search",
        "Searching 'café' returns nothing.",
    ),
    (
        "OPS-121",
        1,
        3,
        15,
        30,
        "Orders topic consumers falling behind (Kafka lag)",
        "Medium",
        "kafka",
        "Platform",
        "Lag alert fired twice in the afternoon.",
    ),
    (
        "OPS-124",
        1,
        2,
        10,
        10,
        "Search returns nothing for queries with umlauts",
        "Medium",
        "search-api",
        "Search",
        "Same as last week's accent problem?",
    ),
    ("OPS-125", 1, 4, 12, 0, "Invoice PDF shows the old company address", "Low", "billing-export", "Payments", ""),
    (
        "OPS-130",
        0,
        1,
        14,
        20,
        "Card payments slow, p99 over a second",
        "High",
        "payments-api",
        "Payments",
        "Support reports card payments hanging at the last step.",
    ),
    (
        "OPS-131",
        0,
        1,
        14,
        31,
        "Payments failing: card gateway 502s",
        "Highest",
        "payments-api",
        "Payments",
        "Gateway answers 502 Bad Gateway.\nStarted around 14:05.",
    ),
    (
        "OPS-132",
        0,
        2,
        4,
        10,
        "Cart errors spiking overnight",
        "High",
        "cart-service",
        "Checkout",
        "On-call saw the cart error rate triple at 03:00.",
    ),
    (
        "OPS-133",
        0,
        3,
        15,
        10,
        "Kafka lag alert: orders-consumer behind",
        "Medium",
        "kafka",
        "Platform",
        "Consumer lag on the orders topic all afternoon.",
    ),
    ("OPS-134", 0, 3, 16, 40, "Card gateway 502 on authorise again", "High", "payments-api", "Payments", "Third time this month."),
    (
        "OPS-135",
        0,
        5,
        19,
        5,
        "Login canary not reporting since 18:00",
        "High",
        "login-canary",
        "Identity",
        "No canary results on the dashboard.",
    ),
    (
        "OPS-136",
        0,
        4,
        11,
        30,
        "Checkout page half empty: banner shows <b>raw HTML</b> <img src=x onerror=alert(1)>",
        "Low",
        "checkout-web",
        "Checkout",
        "The promo banner renders its markup as text.",
    ),
    (
        "OPS-137",
        0,
        2,
        11,
        0,
        "Inventory API error rate up after Wednesday's deploy",
        "Medium",
        "inventory-api",
        "Fulfilment",
        "Errors tripled at 09:00 and stayed.",
    ),
    ("OPS-138", 0, 0, 10, 0, "Request: export of last quarter's refunds", "Low", "billing-export", "Payments", ""),
];

/// A CSV field, quoted when it must be.
fn field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The export, as Jira writes it (its default `dd/MMM/yy h:mm a` dates, in the workspace's zone).
pub fn tickets_csv(review_week: NaiveDate) -> String {
    let mut out = String::from("Summary,Issue key,Issue Type,Status,Priority,Created,Resolved,Component/s,Team,Description\n");
    for &(key, weeks_before, day, hour, minute, summary, priority, component, team, description) in ROWS {
        let date = review_week + Duration::days(day - 7 * weeks_before);
        let (h12, ampm) = match hour {
            0 => (12, "AM"),
            1..=11 => (hour, "AM"),
            12 => (12, "PM"),
            _ => (hour - 12, "PM"),
        };
        let created = format!("{} {h12}:{minute:02} {ampm}", date.format("%d/%b/%y"));
        let status = if weeks_before > 0 { "Done" } else { "Open" };
        let _ = writeln!(
            out,
            "{},{key},Incident,{status},{priority},{created},,{},{},{}",
            field(summary),
            field(component),
            field(team),
            field(description)
        );
    }
    out
}

/// The `[[tickets]]` table of the sample's `flywheel.toml`.
pub const TOML: &str = "# What the shop's people filed (a Jira export, generated with the sample): the ticket review groups it\n# into recurring problems and links it to the findings (`flywheel tickets`).\n[[tickets]]\nname = \"Jira (OPS)\"\ncsv = \"tickets.csv\"\nformat = \"jira\"\n";

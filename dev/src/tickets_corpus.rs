//! The words of the labelled ticket corpus (`tickets_quality`): causes that recur, each written the many ways
//! people write one cause (title and detail templates), and one-off tickets that belong to no cause.
//! Placeholders: `{n}` a host number, `{id}` an order or request id, `{ms}` a duration, `{pct}` a share.

/// A cause that keeps coming back, as people describe it.
pub struct Cause {
    pub service: &'static [&'static str],
    pub titles: &'static [&'static str],
    pub details: &'static [&'static str],
}

pub const CAUSES: &[Cause] = &[
    Cause {
        service: &["payments-api", "Payments API", "payments"],
        titles: &[
            "Card gateway returns HTTP 502 on authorise",
            "502 Bad Gateway from the card gateway when paying",
            "payments failing: card gateway 502s",
            "Customers get 502 at payment step (gateway)",
            "Card authorisation errors - gateway answers 502",
        ],
        details: &[
            "Gateway logs show upstream 502 for order {id}.",
            "Seen on payments-{n}, started around 14:00.",
            "Retries succeed after a few seconds.",
        ],
    },
    Cause {
        service: &["orders-db", "Orders DB", "orders database"],
        titles: &[
            "Orders DB connection pool exhausted",
            "orders database out of connections",
            "Too many connections on orders-db-{n}",
            "Connection pool full for orders DB, requests queue",
            "orders-db: pool exhausted, checkout timing out",
        ],
        details: &[
            "HikariCP reports 0 idle connections.",
            "max_connections reached on orders-db-{n}.",
            "p99 of checkout goes to {ms} ms while the pool is full.",
        ],
    },
    Cause {
        service: &["search-api", "Search", "search"],
        titles: &[
            "Search returns no results for queries with accents",
            "Accented search terms give empty results",
            "Searching 'café' returns nothing",
            "Empty result page for search with umlauts",
        ],
        details: &[
            "Normaliser drops non-ASCII characters.",
            "Reproduced with query 'crème' and 'über'.",
            "Only when the query holds an accent.",
        ],
    },
    Cause {
        service: &["edge", "Edge proxy", "edge-lb"],
        titles: &[
            "TLS certificate expired on api.shop.example",
            "Certificate expiry warning for api.shop.example",
            "SSL cert on api.shop.example about to expire",
            "Browsers show certificate expired error for the API",
        ],
        details: &[
            "Expires in {n} days.",
            "cert-manager renewal failed: ACME challenge timed out.",
            "Monitoring says notAfter is within a week.",
        ],
    },
    Cause {
        service: &["checkout-web", "Checkout web", "checkout"],
        titles: &[
            "Checkout page JavaScript error on Safari",
            "TypeError in checkout bundle on iOS Safari",
            "Safari users cannot finish checkout (JS error)",
            "checkout.js throws TypeError on Safari 17",
        ],
        details: &[
            "TypeError: undefined is not an object (evaluating 'cart.items').",
            "Only Safari, Chrome is fine.",
            "Sentry shows {n}00 events.",
        ],
    },
    Cause {
        service: &["kafka", "Kafka", "platform-kafka"],
        titles: &[
            "Consumer lag on orders topic keeps growing",
            "Kafka lag for orders-consumer high",
            "orders topic consumers falling behind",
            "Lag alert: orders-consumer group behind by {id} messages",
        ],
        details: &["Partition {n} is stuck on one consumer.", "Rebalancing every few minutes.", "Consumer group lag above {id}."],
    },
    Cause {
        service: &["identity-api", "Identity", "auth"],
        titles: &[
            "Users logged out randomly (session token invalid)",
            "Random logouts - session tokens rejected",
            "Session expires right after login",
            "Login session invalid after a few minutes",
        ],
        details: &[
            "Token signature check fails on identity-{n}.",
            "Clock skew between nodes suspected.",
            "Happens to about {pct} % of sessions.",
        ],
    },
    Cause {
        service: &["inventory-api", "Inventory", "inventory"],
        titles: &[
            "Inventory sync job fails with NullPointerException",
            "NullPointerException in InventorySyncJob",
            "inventory nightly sync crashed (NPE)",
            "Stock levels not updated: sync job NullPointerException",
        ],
        details: &[
            "java.lang.NullPointerException at InventorySyncJob.run",
            "Supplier feed has an empty SKU row.",
            "Job failed at 02:{n}.",
        ],
    },
    Cause {
        service: &["shipping-api", "Shipping", "shipping"],
        titles: &[
            "Carrier label API timeouts",
            "Shipping labels time out at the carrier",
            "Timeout when creating shipping labels",
            "carrier API timed out for label requests",
        ],
        details: &["Calls to the carrier take more than {ms} ms.", "ETIMEDOUT from carrier endpoint.", "Labels for order {id} missing."],
    },
    Cause {
        service: &["recommendations", "Recs", "recs-worker"],
        titles: &[
            "recs-worker OOMKilled",
            "Recommendations worker out of memory",
            "recs worker pods restarting with OOM",
            "Memory limit hit on recommendations worker, pods crash",
        ],
        details: &[
            "Container recs-worker-{n} exceeded its memory limit.",
            "Heap grows after the model reload.",
            "CrashLoopBackOff on {n} pods.",
        ],
    },
    Cause {
        service: &["notifications", "Notifications", "email-sender"],
        titles: &[
            "Order confirmation emails sent twice",
            "Customers receive duplicate confirmation email",
            "Duplicate order emails",
            "Confirmation mail arrives two times",
        ],
        details: &["Same message id {id} sent twice.", "Retry after a timeout resends the mail.", "{pct} % of orders affected."],
    },
    Cause {
        service: &["storage", "Log storage", "logging"],
        titles: &[
            "Disk full on log-{n}.prod",
            "log server disk usage at 100 %",
            "No space left on device (ENOSPC) on log hosts",
            "Log volume full again, shipping stopped",
        ],
        details: &["/var/log at 100 % on log-{n}.prod.", "Rotation did not run.", "ENOSPC in the shipper's log."],
    },
    Cause {
        service: &["pricing", "Pricing API", "pricing-api"],
        titles: &[
            "Prices shown in the wrong currency for Swiss customers",
            "Swiss shop shows EUR instead of CHF",
            "Wrong currency on product page for Switzerland",
            "CHF prices missing, EUR displayed",
        ],
        details: &["Locale de-CH falls back to de-DE.", "Only since the pricing release.", "Seen on {n} product pages."],
    },
    Cause {
        service: &["cdn", "CDN", "static"],
        titles: &[
            "Product images slow to load",
            "Image CDN latency high",
            "Slow product images (CDN)",
            "Images take seconds to appear on listing pages",
        ],
        details: &["TTFB from the CDN above {ms} ms.", "Cache hit ratio dropped to {pct} %.", "Origin is fine."],
    },
];

/// Tickets about something that happened once, each its own cause.
pub const ONE_OFF: &[(&str, &str)] = &[
    ("Typo on the returns page footer", "cms"),
    ("Add dark mode to the admin console", "admin"),
    ("Invoice PDF has the old company address", "billing"),
    ("Request: export of last quarter's refunds", "billing"),
    ("Broken link in the welcome email", "notifications"),
    ("Password reset email goes to spam for one domain", "notifications"),
    ("Grafana dashboard for search lost its panels", "observability"),
    ("New hire needs access to the payments repo", "it"),
    ("Feature flag for gift cards stuck on in staging", "gift-cards"),
    ("Warehouse printer offline in Leipzig", "fulfilment"),
    ("Sitemap misses the new category pages", "seo"),
    ("Cookie banner overlaps the chat button on mobile", "checkout-web"),
    ("Spelling of 'colour' inconsistent in the app", "mobile-app"),
    ("Upgrade the base image to Debian 13", "platform"),
    ("Rotate the staging database password", "security"),
    ("Customer asks to delete their account data", "privacy"),
    ("Coupon code WINTER10 not applied to sale items", "promotions"),
    ("VAT rounding differs by one cent on some invoices", "billing"),
    ("Slack alert channel renamed, alerts bounce", "observability"),
    ("Backup job for the wiki skipped one night", "it"),
    ("Loyalty points not shown in the app header", "mobile-app"),
    ("Product video does not autoplay on Firefox", "storefront"),
    ("Sort by price ignores discounted prices", "search-api"),
    ("Address autocomplete suggests the wrong city", "checkout-web"),
    ("On-call handover doc is out of date", "platform"),
    ("Terraform plan shows drift on the VPN gateway", "platform"),
    ("Marketing wants UTM parameters kept on redirect", "storefront"),
    ("The status page shows last month's incident as open", "observability"),
    ("Return label QR code too small to scan", "shipping-api"),
    ("Android app crashes when rotating the basket view", "mobile-app"),
];

/// What people put around a title.
pub const PREFIXES: &[&str] = &["", "", "", "", "[URGENT] ", "Re: ", "FW: ", "[prod] ", "Customer report: ", "Again: "];
pub const SUFFIXES: &[&str] = &["", "", "", "", " (again)", " - please check", " ??", " since this morning", " for some users", " in prod"];
/// Description openers with no cause in them.
pub const OPENERS: &[&str] =
    &["Hi team,", "Reported by support.", "", "Seen in the morning standup.", "From the on-call:", "Customer call at 10:15."];

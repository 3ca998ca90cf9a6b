"""English phrase bank."""

from __future__ import annotations

from training.synthetic.bank import LanguageBank

BANK = LanguageBank(
    code="en",
    outage_phrase="Production is down",
    subjects={
        "outage": (
            "Production is down",
            "URGENT: {product} not loading for anyone",
            "Site down - {code} on every page",
            "Outage: {product} unreachable since {clock}",
        ),
        "security_breach": (
            "Possible security breach on our account",
            "Data leak: customer records visible to outsiders",
            "Unknown logins from abroad - account compromised?",
        ),
        "data_loss": (
            "All our data is gone after the update",
            "Records deleted in {product}",
            "Data loss: last week's entries are missing",
        ),
        "payment_failure": (
            "Payment failed",
            "Customers cannot pay at checkout",
            "Card declined with {code}",
        ),
        "login_problem": (
            "Cannot log in",
            "Locked out of my account",
            "Login not working - {code}",
        ),
        "bug": (
            "Export button does nothing",
            "Bug in {product}: {code} when saving",
            "Some users see a blank page",
        ),
        "slow_performance": (
            "{product} is very slow",
            "Slow reports since the update",
            "Pages take ages to load",
        ),
        "how_to": (
            "How do I add a new user?",
            "Question about exporting data",
            "How do I change the invoice address?",
        ),
        "feature_request": (
            "Feature request: {feature}",
            "Suggestion for {product}",
            "It would be great to have {feature}",
        ),
        "typo": (
            "Typo on your website",
            "Small typo in {product}",
            "Spelling mistake on {url}",
        ),
        "refund_request": (
            "Charged twice - please refund",
            "Refund request",
            "Refund for invoice {invoice}",
        ),
        "billing_question": (
            "Question about our invoice",
            "VAT number on invoices",
            "Invoice {invoice}",
        ),
        "sales_inquiry": (
            "Pricing for {count} seats",
            "Demo request",
            "Interested in the enterprise plan",
        ),
    },
    bodies={
        "outage": (
            "Our production environment is completely down. Every request to {product} returns "
            "{code} and nobody on the team can work.",
            "{product} has been unreachable since {clock}. We get {code} on every page and our "
            "customers cannot place orders.",
            "Nothing works for us. {url} just times out, while your status page says everything "
            "is fine.",
        ),
        "security_breach": (
            "We found logins to our {product} account from IP addresses we do not recognise, and "
            "an API key was created that none of us made. We think this is a security breach.",
            "A customer sent us a link where other customers' invoices are publicly visible: "
            "{url}. This looks like a data leak.",
            "Someone changed the admin password last night and exported all our contacts. Please "
            "lock the account and tell us what was accessed.",
        ),
        "data_loss": (
            "After last night's update all projects in {product} are empty. Weeks of work have "
            "disappeared.",
            "About {count} records vanished from {product} without anyone deleting them. The "
            "import log shows {code}.",
            "Everything we entered since {clock} yesterday is missing. Do you have a backup you "
            "can restore?",
        ),
        "payment_failure": (
            "Our monthly payment was declined with error {code} even though the card is valid. "
            "Please help before the account is suspended.",
            "Since {clock} none of our customers can complete checkout. The payment step fails "
            "with {code}.",
            "I have tried to pay invoice {invoice} three times and it fails every time.",
        ),
        "login_problem": (
            "I cannot log in to {product}. After entering my password I get {code} and end up "
            "on the login page again.",
            "The two-factor code never arrives, so I am locked out of my account.",
            "The password reset link from {url} says it has expired, even when I open it right "
            "away.",
        ),
        "bug": (
            "When I click export in {product} nothing happens. It works for my colleague but not "
            "for me in {browser}.",
            "Saving a form sometimes fails with {code}. It happens for some users, not all.",
            "A few of our users only see a blank page on {url}. Reloading usually helps.",
        ),
        "slow_performance": (
            "Today every page in {product} takes {minutes} seconds or more to load. It is usable, "
            "but only just.",
            "Reports that used to take seconds now run for {minutes} minutes.",
            "The dashboard has been extremely slow in {browser} since Monday.",
        ),
        "how_to": (
            "How do I give a new colleague access to {product}? I could not find it in the "
            "settings.",
            "Is it possible to export all contacts to Excel? If so, where do I find it?",
            "Where can I change the address on our invoices?",
        ),
        "feature_request": (
            "It would be great if {product} supported {feature}. Many of us would use it every "
            "day.",
            "Are there any plans to add {feature}? At the moment we use a workaround.",
            "A small suggestion: please consider {feature} for a future release.",
        ),
        "typo": (
            'Just a heads-up: on {url} it says "{wrong}" instead of "{right}".',
            'There is a small spelling mistake in {product}: "{wrong}" should be "{right}".',
            'I noticed a typo on the pricing page: "{wrong}".',
        ),
        "refund_request": (
            "We were charged {amount} twice this month. Could you refund the duplicate payment?",
            "We cancelled last month but were still charged {amount}. Please refund it.",
            "I would like a refund for invoice {invoice}; we never used the upgrade.",
        ),
        "billing_question": (
            "Could you explain the amount of {amount} on invoice {invoice}? It is higher than last "
            "month.",
            "Could you add our VAT number to future invoices?",
            "When will the next invoice be sent, and can we pay by bank transfer?",
        ),
        "sales_inquiry": (
            "We are considering {product} for about {count} employees. Could you send us a quote?",
            "Can we book a demo of {product} next week?",
            "What would the enterprise plan cost for our team, and is SSO included?",
        ),
    },
    greetings=("Hi,", "Hello,", "Dear support team,", "Hi there,"),
    signoffs=("Thanks,\n{name}", "Best regards,\n{name}", "Kind regards\n{name}", "Cheers, {name}"),
    urgent_cues=(
        "We are losing money every minute this goes on.",
        "Please call me as soon as possible.",
        "This is blocking our whole team.",
        "We have a hard deadline today.",
    ),
    calm_cues=("No rush.", "Whenever you have time.", "Not urgent at all."),
    affected_cues=(
        "About {n} users are affected.",
        "{n} people in our company cannot work.",
        "This affects {n} of our users.",
    ),
    names=("Emma Clarke", "James", "Olivia Brown", "Noah Patel", "Sophie", "Liam Walsh", "Grace"),
    features=("a dark mode", "PDF export", "calendar sync", "multilingual templates", "bulk edit"),
    typos=(
        ("Invocie", "Invoice"),
        ("Setings", "Settings"),
        ("pasword", "password"),
        ("recieve", "receive"),
    ),
    currency="€{v}",
    decimal_comma=False,
    clock_sep=":",
    function_words=frozenset(
        [
            "the",
            "a",
            "an",
            "and",
            "to",
            "of",
            "in",
            "is",
            "are",
            "we",
            "our",
            "it",
            "for",
            "not",
            "on",
            "my",
            "i",
            "have",
            "this",
            "with",
        ]
    ),
)

"""Word material for the demo workspace: topics customers write about, with the scores they give."""

# Each topic: openings and details are combined so that comments vary like real ones do.
# ``scores`` is the range of NPS scores people writing about it tend to give.
TOPICS = {
    "sync": {
        "scores": (0, 6),
        "openings": [
            "Sync between my laptop and phone keeps breaking.",
            "Data doesn't sync reliably.",
            "The sync is broken again.",
            "Offline changes get lost when it syncs.",
            "I lost an afternoon of work because sync failed.",
        ],
        "details": [
            "I have to refresh three times before my notes show up.",
            "Conflicts are never resolved, I end up with duplicates.",
            "It says 'syncing' forever.",
            "Please fix this, it's the core of the product.",
            "",
        ],
    },
    "pricing": {
        "scores": (2, 7),
        "openings": [
            "Too expensive for a small team.",
            "The price went up 40% with no new features.",
            "Pricing per seat makes no sense for us.",
            "Hard to justify the cost to my manager.",
        ],
        "details": [
            "A cheaper plan for startups would keep us.",
            "Competitors offer the same for half the price.",
            "We only use a third of the features we pay for.",
            "",
        ],
    },
    "support": {
        "scores": (0, 6),
        "openings": [
            "Support took five days to answer my ticket.",
            "Customer service was slow and unhelpful.",
            "Nobody answers the support chat.",
            "I was on hold for an hour.",
        ],
        "details": [
            "The answer was a copy-paste of the docs.",
            "I had to explain my problem three times.",
            "When they answered it was friendly, but far too late.",
            "",
        ],
    },
    "mobile": {
        "scores": (1, 7),
        "openings": [
            "The mobile app crashes when I open a large project.",
            "The Android app is slow and drains my battery.",
            "The iPhone app logs me out every day.",
            "Mobile app freezes on startup.",
        ],
        "details": [
            "The web version works fine though.",
            "I mostly work on my phone, so this hurts.",
            "Since the last update it's worse.",
            "",
        ],
    },
    "reports": {
        "scores": (8, 10),
        "openings": [
            "Love the reports, they save me hours every week.",
            "The dashboards are clear and beautiful.",
            "Reporting is the best feature, my boss loves the exports.",
            "Great analytics, easy to share with the team.",
        ],
        "details": [
            "Scheduled reports by email would make it perfect.",
            "Keep it up!",
            "Would recommend to any team lead.",
            "",
        ],
    },
    "ease": {
        "scores": (8, 10),
        "openings": [
            "Very easy to use, my whole team got started in a day.",
            "Simple and intuitive interface.",
            "Onboarding was smooth and quick.",
            "Does exactly what I need without getting in the way.",
        ],
        "details": [
            "Thank you for keeping it simple.",
            "The keyboard shortcuts are great.",
            "Templates helped a lot.",
            "",
        ],
    },
    "integrations": {
        "scores": (4, 8),
        "openings": [
            "Missing a Salesforce integration.",
            "The Slack integration posts duplicate messages.",
            "Would love a proper Zapier integration.",
            "The API is limited, we can't export what we need.",
        ],
        "details": [
            "That's the only thing stopping us from moving everyone over.",
            "We built a workaround but it's fragile.",
            "",
        ],
    },
    "performance": {
        "scores": (2, 7),
        "openings": [
            "Pages load slowly when a project has many items.",
            "Search is really slow.",
            "The app is sluggish in the afternoon (US time).",
            "Everything takes a few seconds to respond.",
        ],
        "details": [
            "It used to be fast.",
            "Our team wastes a lot of time waiting.",
            "",
        ],
    },
}

FRENCH_COMMENTS = {
    "sync": "La synchronisation ne marche pas, j'ai perdu des données.",
    "pricing": "Trop cher pour une petite équipe.",
    "support": "Le support met des jours à répondre.",
    "mobile": "L'application mobile plante souvent.",
    "reports": "Les rapports sont excellents, merci !",
    "ease": "Très simple à utiliser, toute l'équipe l'a adopté.",
    "integrations": "Il manque une intégration avec nos outils.",
    "performance": "L'application est lente.",
}

CHURN_REASONS = ["Too expensive", "Missing features", "Switching to a competitor", "Too hard to use",
                 "Reliability problems", "No longer needed"]
# What French visitors read for each of them; answers store the English key either way.
CHURN_REASONS_FR = {"Too expensive": "Trop cher", "Missing features": "Il manque des fonctionnalités",
                    "Switching to a competitor": "Je passe à un concurrent",
                    "Too hard to use": "Trop difficile à utiliser",
                    "Reliability problems": "Problèmes de fiabilité", "No longer needed": "Je n'en ai plus besoin"}

CHURN_TOPIC_REASON = {
    "pricing": "Too expensive",
    "integrations": "Missing features",
    "sync": "Reliability problems",
    "performance": "Reliability problems",
    "support": "Switching to a competitor",
    "mobile": "Too hard to use",
}

FIRST_NAMES = ["Ada", "Alan", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances", "Edsger",
               "Radia", "Tim", "Sophie", "Hedy", "Guido", "Anita", "Yukihiro", "Katherine", "Bjarne", "Lucie"]
LAST_NAMES = ["Lovelace", "Turing", "Hopper", "Torvalds", "Hamilton", "Thompson", "Liskov", "Ritchie", "Allen",
              "Dijkstra", "Perlman", "Berners-Lee", "Wilson", "Lamarr", "van Rossum", "Borg", "Matsumoto",
              "Johnson", "Stroustrup", "Martin"]
PLANS = ["free", "pro", "pro", "business", "enterprise"]
COUNTRIES = ["US", "US", "GB", "FR", "DE", "CA", "IN", "BR"]

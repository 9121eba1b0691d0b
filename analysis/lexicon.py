"""Hand-written, domain-general customer-feedback vocabulary.

Nothing in this module was learned from labelled data. The entries describe how customers write
about service problems in any industry (deliveries, apps, subscriptions, travel, retail): words
that VADER's general-purpose lexicon misses or scores as neutral ("cancelled again", "on hold",
"never arrived"), words that VADER scores positive but that customers mostly use in requests
("help", "please"). Entries about one industry (travel: "stranded", "overbooked", "hours late")
were removed, and so were the theme concepts written knowing the evaluation's categories.

Valences use VADER's scale (-4 extremely negative .. +4 extremely positive).
"""

# Single words added to, or overriding, VADER's lexicon.
FEEDBACK_LEXICON = {
    # failures of service delivery
    "cancelled": -2.0, "canceled": -2.0, "cancellation": -1.8, "cancellations": -1.8,
    "cancelling": -1.6, "canceling": -1.6, "cancel": -1.2,
    "delayed": -2.0, "delay": -1.8, "delays": -1.8, "late": -1.2, "overdue": -1.8,
    "postponed": -1.2, "rescheduled": -0.8,
    "lost": -2.0, "missing": -1.8, "misplaced": -1.8, "disappeared": -1.5,
    "damaged": -2.2, "broken": -2.2, "ruined": -2.5, "cracked": -1.5, "torn": -1.5,
    "crash": -2.0, "crashes": -2.0, "crashed": -2.0, "crashing": -2.0, "glitch": -1.6,
    "bug": -1.5, "bugs": -1.5, "buggy": -2.0, "error": -1.5, "errors": -1.5,
    "outage": -2.0, "down": -0.6, "unusable": -2.5, "unreachable": -2.0,
    "slow": -1.5, "slower": -1.5, "sluggish": -1.5,
    "refund": -1.2, "refunds": -1.2, "overcharged": -2.5, "reimburse": -0.8,
    "reimbursement": -0.8, "compensation": -0.8, "fee": -0.8, "fees": -0.8,
    "charged": -1.0,
    "waiting": -1.2, "waited": -1.5, "wait": -0.8, "stuck": -2.0,
    "hold": -0.8, "queue": -0.6,
    "rude": -2.5, "unprofessional": -2.5, "unhelpful": -2.3, "incompetent": -2.8,
    "ignored": -2.0, "ignoring": -2.0, "unanswered": -2.0, "useless": -2.5,
    "dirty": -2.0, "uncomfortable": -1.8, "smelly": -1.8,
    "misinformed": -1.8, "wrong": -1.5,
    "again": -0.4, "still": -0.5, "yet": -0.3, "nobody": -1.0,
    "ridiculous": -2.2, "unacceptable": -2.8, "disappointing": -2.2, "disappointed": -2.2,
    "frustrating": -2.2, "frustrated": -2.2, "annoying": -1.8, "horrible": -2.8,
    "terrible": -2.8, "awful": -2.8, "worst": -3.1, "fail": -2.5, "fails": -2.2,
    # customer requests: VADER scores these as praise, customers use them to ask for things
    "help": 0.0, "please": 0.0, "pls": 0.0, "plz": 0.0, "ok": 0.0, "okay": 0.0,
    "like": 0.0, "want": 0.0, "wants": 0.0, "pretty": 0.0, "free": 0.3,
    "chance": 0.0, "credit": 0.0, "sure": 0.0, "true": 0.0, "reach": 0.0,
    "hope": 0.3, "hoping": 0.0, "support": 0.0, "care": 0.0, "yes": 0.0,
    # appeals and sarcasm markers in complaints ("wow", "clearly")
    "better": 0.5, "wow": 0.0, "lol": 0.5, "clearly": 0.0,
    # praise customers give to services
    "thanks": 2.2, "thank": 2.0, "thx": 2.0, "ty": 1.5, "appreciated": 2.2,
    "appreciate": 2.0, "kudos": 2.5, "smooth": 1.5, "seamless": 2.0, "quick": 1.0,
    "quickly": 1.0, "fast": 0.8, "friendly": 2.2, "helpful": 2.2, "professional": 1.5,
    "excellent": 3.0, "amazing": 2.8, "awesome": 3.0,
    "love": 3.0, "loved": 3.0, "great": 2.8,
}

# Multi-word expressions. They are rewritten into one token before scoring, so VADER's own
# negation ("not resolved") and contrast ("but") rules still apply to them.
FEEDBACK_PHRASES = {
    "on hold": -2.0, "put on hold": -2.2, "hung up": -2.2, "hang up": -1.8,
    "no answer": -2.0, "no response": -2.2, "no reply": -2.2, "no one": -1.5,
    "no help": -2.2, "not helpful": -2.2, "never arrived": -2.8, "never received": -2.8,
    "never got": -2.2, "didn't arrive": -2.5, "did not arrive": -2.5, "never showed": -2.5,
    "charged twice": -2.8, "double charged": -2.8, "still waiting": -2.5,
    "still no": -2.2, "waste of time": -2.8, "waste of money": -2.8, "not working": -2.2,
    "doesn't work": -2.2, "does not work": -2.2, "don't work": -2.0, "won't work": -2.0,
    "stopped working": -2.5, "keeps crashing": -2.8, "can't log in": -2.2,
    "cannot log in": -2.2, "can't login": -2.2, "customer service": 0.0,
    "wait time": -1.5, "long wait": -2.2, "for hours": -2.2, "sold out": -1.0, "over an hour": -2.0,
    "thanks for nothing": -3.0, "no thanks": -1.5, "thank you": 2.3, "thanks so much": 2.8,
    "thank you so much": 3.0, "well done": 2.5,
    "good job": 2.5, "great job": 3.0, "great service": 3.0,
    "no problem": 1.5, "no problems": 1.5, "no issues": 1.5, "no complaints": 1.5,
}

# Generic sentences of each polarity, written without looking at any evaluation data; the
# sentiment scorer compares a comment's sentence embedding with their mean embedding.
SENTIMENT_PROTOTYPES = {
    "negative": [
        "This is terrible and I am very unhappy.", "The service was awful and nobody helped me.",
        "It does not work and I am frustrated.", "I am disappointed, it was a waste of money.",
        "Worst experience ever.", "I have been waiting for ages and still no answer.",
        "It is broken and the problem has not been fixed.", "I am angry about how I was treated.",
    ],
    "neutral": [
        "I have a question about my account.", "How do I change my settings?",
        "When will it be available?", "Please let me know the details.",
        "What are the opening hours?", "I would like some information about the options.",
        "Is it possible to do this online?", "Can someone tell me how this works?",
    ],
    "positive": [
        "This is great, thank you so much!", "Excellent service, I love it.",
        "Very helpful and friendly, I highly recommend it.", "Everything worked perfectly, thanks.",
        "I am really happy with it.", "Amazing, well done to the team.",
        "The best experience I have had.", "Quick and easy, very pleased.",
    ],
}

"""Texts for the demo data (see ``helpdesk.demo``): a small online shop for coffee gear.

Ticket texts are ``str.format`` patterns; the fields are ``first`` (the customer's first
name), ``order``, ``date``, ``total``, ``product``, ``sku``, ``carrier`` and ``agent`` (the
agent's first name). Reply templates are Jinja and use only ``TEMPLATE_VARIABLES``.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from domain.values import Role


class Topic(NamedTuple):
    """One kind of request: subject, description, the agent's solution, whether it names an
    order, tags to add, a priority other than the category's (``""`` = the category's),
    and the category an agent moves it to when it arrived in ``general``."""

    subject: str
    description: str
    solution: str
    needs_order: bool = True
    tags: tuple[str, ...] = ()
    priority: str = ""
    move_to: str = ""


SHOP = "Bean & Brew"

ROSTER: tuple[tuple[Any, ...], ...] = (
    # name (e-mail: first.last@demo.helpdesk), role, skills, branches (none = all),
    # capacity, takes escalations
    ("Alice Berger", Role.AGENT, ("billing", "returns", "general"), ("north",), 25, False),
    ("Ben Okafor", Role.AGENT, ("shipping", "returns", "general"), ("north",), 25, False),
    ("Chiara Russo", Role.AGENT, ("shipping", "technical"), ("south",), 20, False),
    ("Dmitri Volkov", Role.AGENT, ("billing", "account", "general"), ("south",), 20, False),
    ("Elif Yilmaz", Role.AGENT, ("technical", "account", "general"), (), 15, True),
    ("Finn Hansen", Role.AGENT, ("shipping", "billing", "returns", "general"), (), 30, True),
    ("Nora Lindqvist", Role.ANALYST, (), (), 0, False),
    ("Otto Brandt", Role.AUDITOR, (), (), 0, False),
)

SPAMMERS = (("Growth Team", "seo-growth@example.org"), ("Prize Office", "winner@example.org"),
            ("Social Boost", "followers@example.org"))

ASCII = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "Ö": "Oe"})
"""For e-mail addresses made from names."""

PRODUCTS: tuple[tuple[str, str, str], ...] = (
    ("SKU-1001", "Ridge hand grinder", "89.00"),
    ("SKU-1002", "Mahlwerk 60 burr grinder", "249.00"),
    ("SKU-1005", "gooseneck kettle 1.0 l", "69.90"),
    ("SKU-1007", "smart coffee scale", "59.00"),
    ("SKU-1010", "ceramic pour-over dripper", "24.50"),
    ("SKU-1012", "paper filters (100)", "6.90"),
    ("SKU-1015", "espresso tamper 58 mm", "34.00"),
    ("SKU-1018", "milk jug 600 ml", "19.90"),
    ("SKU-1021", "Piccola espresso machine", "549.00"),
    ("SKU-1024", "descaling tablets (12)", "12.90"),
    ("SKU-1027", "Ethiopia Guji beans 250 g", "14.50"),
    ("SKU-1030", "Brazil Cerrado beans 1 kg", "32.00"),
    ("SKU-1033", "cold brew bottle 1 l", "29.90"),
    ("SKU-1036", "travel mug 350 ml", "22.00"),
    ("SKU-1039", "knock box", "27.50"),
    ("SKU-1042", "cleaning brush set", "9.90"),
    ("SKU-1045", "glass server 600 ml", "21.00"),
    ("SKU-1048", "vacuum storage canister", "26.00"),
    ("SKU-1051", "water filter cartridges (3)", "18.90"),
    ("SKU-1054", "barista apron", "39.00"),
)

CARRIERS = ("DHL", "DPD", "Hermes", "GLS", "UPS")

FIRST_NAMES = (
    "Anna", "Jonas", "Leonie", "Lukas", "Mia", "Felix", "Sophie", "Paul", "Emma", "Noah",
    "Hannah", "Elias", "Lea", "Ben", "Clara", "Tim", "Marie", "Jan", "Lina", "David",
    "Sara", "Tobias", "Julia", "Max", "Amelie", "Yusuf", "Zeynep", "Mateo", "Olga", "Piotr",
    "Ingrid", "Kofi", "Aylin", "Henrik", "Nadia", "Rafael", "Greta", "Mehmet", "Ida", "Luca",
)

LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker",
    "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz",
    "Braun", "Zimmermann", "Krüger", "Hartmann", "Lange", "Werner", "Krause", "Lehmann",
    "Kaya", "Nowak", "Jensen", "Rossi", "Costa", "Petersen", "Öztürk", "Mensah", "Kowalski",
    "Larsen", "Haas", "Vogel", "Frank", "Berg", "Sommer", "Roth",
)

AREA_CODES = {"north": ("40", "421", "431", "511"), "south": ("89", "711", "911", "761"),
              None: ("30", "221", "69")}

TOPICS: dict[str, tuple[Topic, ...]] = {
    "billing": (
        Topic("Charged twice for order {order}",
              "Hello,\n\nmy credit card statement shows two charges of {total} EUR for order "
              "{order} from {date}. Please refund the duplicate payment.\n\nThanks, {first}",
              "Hello {first}, you are right: the payment for {order} was captured twice. The "
              "duplicate charge of {total} EUR has been reversed and shows within 3-5 days.",
              tags=("payment", "refund"), priority="high"),
        Topic("Invoice for order {order} missing",
              "Hi, I need an invoice with VAT for order {order} ({total} EUR) for our office "
              "accounting. The company name is on the order. Could you send it to me?",
              "Hi {first}, the invoice for {order} with your company name is attached.",
              tags=("invoice",)),
        Topic("Wrong VAT rate on my invoice",
              "The invoice for order {order} shows 19 % VAT on everything, but the beans in "
              "the same order should be 7 %. Could you correct the invoice?",
              "Hi {first}, thanks for spotting this. The corrected invoice for {order} is "
              "attached; we refunded the difference.", tags=("invoice",)),
        Topic("Payment failed but the money was taken",
              "When I paid order {order} with PayPal the checkout showed an error, but PayPal "
              "says {total} EUR were paid. Is my order going through?",
              "Hi {first}, the payment did arrive; the error came from a timeout on our side. "
              "Order {order} is confirmed and will ship tomorrow.",
              tags=("payment-failed",), priority="high"),
        Topic("Voucher code not applied to {order}",
              "I entered the code WELCOME10 at checkout but the discount was not applied to "
              "order {order} ({total} EUR). Can you refund the difference?",
              "Hi {first}, the code should have worked - we have refunded 10 % of {order} to "
              "your payment method.", tags=("voucher",)),
        Topic("Can I pay by invoice?",
              "I would like to order a {product} for our team kitchen but I do not see the "
              "option to pay by invoice. Is that possible for returning customers?",
              "Hi {first}, I have enabled payment by invoice for your account; you will see "
              "it at checkout from now on.", needs_order=False, priority="low"),
        Topic("Refund for order {order} not received",
              "You confirmed a refund for order {order} two weeks ago, but the money is still "
              "not on my card. Could you check what happened?",
              "Hi {first}, the refund had been stuck at the payment provider. It is released "
              "now, sorry for the wait.", tags=("refund",)),
        Topic("Please update my billing address",
              "I have moved. Please update the billing address in my account; the invoice of "
              "my next order should go to the new address.\n\nBest, {first}",
              "Hi {first}, done - your new billing address is saved.",
              needs_order=False, tags=("address-change",), priority="low"),
    ),
    "shipping": (
        Topic("Where is my order {order}?",
              "Hi, I ordered on {date} and the {carrier} tracking has not moved for five days. "
              "The parcel contains the {product}. When will it arrive?",
              "Hi {first}, {carrier} found your parcel at their depot; it goes out for delivery "
              "tomorrow.", tags=("late-delivery",)),
        Topic("Parcel marked as delivered but not received",
              "{carrier} says order {order} was delivered yesterday, but there is nothing at my "
              "door and my neighbours have nothing either.",
              "Hi {first}, {carrier} could not prove the delivery, so we have sent order "
              "{order} again today at our cost.", tags=("missing-parcel",), priority="high"),
        Topic("Package arrived damaged",
              "The box of order {order} was crushed and the {product} ({sku}) inside is dented. "
              "I have taken photos. What should I do?",
              "Hello {first}, we have sent a replacement {product} today. You do not need to "
              "return the damaged one.", tags=("damaged",)),
        Topic("Item missing from order {order}",
              "My parcel arrived today, but the {product} is missing although the packing slip "
              "lists it.",
              "Hi {first}, the warehouse confirmed the mistake; the {product} is on its way in "
              "a separate parcel.", tags=("missing-item",)),
        Topic("Change the delivery address for {order}",
              "Could you please send order {order} to my office instead of my home address? "
              "I will not be at home this week.",
              "Hi {first}, done - {carrier} will deliver order {order} to your office.",
              tags=("address-change",)),
        Topic("Do you ship to Switzerland?",
              "Hello, I live in Basel. Can I order the {product} from your shop, and what "
              "would shipping and customs cost?",
              "Hi {first}, yes: shipping to Switzerland costs 14.90 EUR and we pay the customs "
              "fees for orders up to 300 EUR.", needs_order=False, priority="low"),
        Topic("Express delivery possible?",
              "I need the {product} by Friday as a birthday present. Can you ship it express, "
              "and what does that cost?",
              "Hi {first}, express delivery costs 9.90 EUR; order before 2 pm and it arrives "
              "the next working day.", needs_order=False),
        Topic("Wrong item delivered",
              "I ordered the {product} ({sku}) with order {order}, but the parcel contained "
              "something else entirely.",
              "Hi {first}, sorry for the mix-up! The right {product} ships today, and a return "
              "label for the wrong item is attached.", tags=("wrong-item",)),
    ),
    "returns": (
        Topic("Return request for the {product}",
              "I would like to return the {product} from order {order}. It is unused and in "
              "its original packaging. How do I get a return label?",
              "Hi {first}, here is your prepaid return label. Once the {product} is back we "
              "refund it within 5 days.", tags=("return",)),
        Topic("Return label does not work",
              "The {carrier} shop refused the return label for order {order}; they say the "
              "barcode cannot be read.",
              "Hi {first}, sorry about that - here is a new label; I checked that the barcode "
              "scans.", tags=("return",)),
        Topic("When do I get my refund?",
              "I sent the {product} back ten days ago and the tracking shows you received it. "
              "When will order {order} be refunded?",
              "Hi {first}, the {product} has been checked and the refund for {order} is on "
              "its way.", tags=("refund",)),
        Topic("Exchange the {product}",
              "Can I exchange the {product} from order {order} for the black version? I "
              "would pay the difference if there is one.",
              "Hi {first}, the black {product} is reserved for you and ships as soon as the "
              "original is back; same price.", tags=("exchange",)),
        Topic("{product} stopped working - warranty?",
              "My {product} ({sku}) from order {order} stopped working after three weeks. It "
              "does not switch on any more. Is this covered by the warranty?",
              "Hi {first}, yes, that is covered. A new {product} is on its way; please send "
              "the faulty one back with the enclosed label.", tags=("warranty",)),
        Topic("Returning a gift without the order number",
              "I received a {product} as a gift from your shop and would like to return it. "
              "I do not have the order number; what can I do?",
              "Hi {first}, no problem: send it back with the enclosed label and we will issue "
              "a gift card for its value.", needs_order=False),
        Topic("Only part of order {order} refunded",
              "I returned two items from order {order} but only got part of the money back. "
              "Could you check the refund?",
              "Hi {first}, the second item had not been booked in. It is now, and the rest of "
              "the refund is on its way.", tags=("refund",)),
        Topic("Please cancel order {order}",
              "I placed order {order} twice by mistake. Please cancel it before it ships!",
              "Hi {first}, order {order} is cancelled; you have not been charged.",
              tags=("cancellation",), priority="high"),
    ),
    "technical": (
        Topic("Checkout shows an error",
              "Every time I click 'Pay now' the page says 'Something went wrong' (error 500). "
              "I tried Firefox and Chrome. I wanted to buy a {product}.",
              "Hi {first}, our developers fixed the checkout this morning - could you try "
              "again? Sorry for the trouble.", needs_order=False, tags=("bug", "website"),
              priority="urgent"),
        Topic("{product} shows error E3",
              "My {product} ({sku}) from order {order} shows error E3 and stops after a few "
              "seconds. I already descaled it.",
              "Hi {first}, E3 means the temperature sensor failed. A replacement {product} is "
              "on its way under warranty.", tags=("defect",), priority="high"),
        Topic("Scale does not connect to the app",
              "The smart coffee scale is not found by the app on my phone. Bluetooth is on "
              "and I restarted both.",
              "Hi {first}, please update the app to version 3.2 - it fixes pairing with "
              "the scale on newer phones.", needs_order=False, tags=("app", "bluetooth")),
        Topic("No order confirmation e-mail",
              "I placed order {order} on {date} but never got a confirmation e-mail; it is not "
              "in my spam folder either.",
              "Hi {first}, your mail provider had rejected our e-mails. I have resent the "
              "confirmation for {order}.", tags=("email",)),
        Topic("Your website is very slow",
              "Since yesterday every page of the shop takes more than ten seconds to load.",
              "Hi {first}, thanks for the report - a faulty cache server was replaced and the "
              "shop is fast again.", needs_order=False, tags=("website",), priority="low"),
        Topic("Grinder makes a loud noise",
              "The {product} from order {order} suddenly makes a loud grinding noise and the "
              "coffee comes out uneven.",
              "Hi {first}, it sounds like a loose burr. The video attached shows how to fix "
              "it; if that does not help, we will replace the {product}.", tags=("defect",)),
        Topic("Manual for the {product}",
              "I cannot download the manual for the {product} ({sku}); the link on the "
              "product page returns an error.",
              "Hi {first}, the link is fixed; I have also attached the manual as a PDF.",
              needs_order=False, tags=("website",), priority="low"),
        Topic("Water leaking from my machine",
              "Water is leaking from the bottom of my {product} (order {order}). Is it safe "
              "to keep using it?",
              "Hi {first}, please stop using it. A courier picks the {product} up tomorrow "
              "and you get a new one in exchange.", tags=("defect", "safety"),
              priority="urgent"),
    ),
    "account": (
        Topic("Cannot log in to my account",
              "I am sure my password is right, but the login page keeps saying 'invalid "
              "credentials'.",
              "Hi {first}, your account was locked after too many attempts. I have unlocked "
              "it; you can log in again.", needs_order=False, tags=("login",),
              priority="medium"),
        Topic("Password reset e-mail does not arrive",
              "I requested a password reset three times; no e-mail arrived.",
              "Hi {first}, I have sent you a new reset link by hand - it is valid for 24 "
              "hours.", needs_order=False, tags=("login",)),
        Topic("Please delete my account (GDPR)",
              "Please delete my customer account and all my personal data, and confirm when "
              "it is done.",
              "Hello {first}, your account and personal data have been deleted; invoices are "
              "kept as the law requires.", needs_order=False, tags=("gdpr",)),
        Topic("Change the e-mail address of my account",
              "I am changing my e-mail provider. How can I move my account and order history "
              "to a new address?",
              "Hi {first}, I have changed the address; please confirm it with the link we "
              "just sent.", needs_order=False),
        Topic("Order {order} was not placed by me",
              "I just got a confirmation for order {order} ({total} EUR) that I did not place. "
              "Has my account been hacked?",
              "Hi {first}, we have cancelled {order}, blocked the session and reset your "
              "password. Please set a new one.", tags=("security",), priority="urgent"),
        Topic("Unsubscribe me from the newsletter",
              "The unsubscribe link in your newsletter does not work. Please take me off the "
              "list.",
              "Hi {first}, you are unsubscribed, and the link is fixed.",
              needs_order=False, tags=("newsletter",)),
        Topic("Merge my two customer accounts",
              "I accidentally created a second account when ordering {order}. Could you merge "
              "it with my main account?",
              "Hi {first}, the accounts are merged; {order} now shows in your main account."),
        Topic("Two-factor code not accepted",
              "The six-digit code from my authenticator app is rejected every time.",
              "Hi {first}, the clock on your phone was off by a few minutes; once it is set "
              "automatically the codes work.", needs_order=False, tags=("login",),
              priority="medium"),
    ),
    "general": (
        Topic("How fresh are your beans?",
              "Hello, how long ago are the beans roasted when you ship them? I am thinking "
              "about the {product}.",
              "Hi {first}, we roast every Tuesday and ship within a week of roasting.",
              needs_order=False, priority="low"),
        Topic("Is the {product} back in stock soon?",
              "The {product} has been sold out for weeks. Do you know when it will be back?",
              "Hi {first}, the {product} is back next week; I have put you on the "
              "notification list.", needs_order=False, priority="low"),
        Topic("Wholesale enquiry for our café",
              "We are opening a small café in spring and would like to buy beans and a "
              "{product} in larger quantities. Do you offer trade prices?",
              "Hi {first}, yes - our trade price list is attached; our sales team will call "
              "you this week.", needs_order=False, tags=("wholesale",)),
        Topic("Feedback on my last order",
              "Just wanted to say that order {order} arrived quickly and the {product} is "
              "great. One suggestion: less plastic in the packaging?",
              "Hi {first}, thank you! We are switching to paper fillers next month."),
        Topic("Do you sell gift cards?",
              "I would like to give a friend a voucher for your shop. Do you have gift cards?",
              "Hi {first}, yes, from 10 to 200 EUR, as e-mail or printed card.",
              needs_order=False, priority="low"),
        Topic("Problem with my order {order}",
              "Hi, the {carrier} parcel for order {order} has been stuck for a week. Can "
              "somebody look into it?",
              "Hi {first}, {carrier} had the parcel in the wrong depot; it arrives tomorrow.",
              tags=("late-delivery",), move_to="shipping"),
        Topic("Question about a charge",
              "There is a charge of {total} EUR from {shop} on my card and I cannot find the "
              "matching order. Can you help?",
              "Hi {first}, that charge is order {order} from {date}; the invoice is attached.",
              move_to="billing"),
        Topic("Help choosing a grinder",
              "I brew mostly pour-over and sometimes espresso. Would the {product} be a good "
              "choice, or should I look at something else?",
              "Hi {first}, for mostly pour-over the Ridge hand grinder is the better choice; "
              "the Mahlwerk 60 if you want espresso too.", needs_order=False, priority="low"),
    ),
}

FIRST_REPLIES: dict[str, tuple[str, ...]] = {
    "billing": ("Hello {first}, thanks for your message. I am looking into {order} with our "
                "accounting team and will get back to you shortly.",
                "Hi {first}, thank you - I am checking this and will update you soon."),
    "shipping": ("Hello {first}, I am sorry about the trouble with your delivery. I am "
                 "checking with {carrier} and our warehouse and will keep you posted.",
                 "Hi {first}, thanks for letting us know - I am on it."),
    "returns": ("Hello {first}, thanks for getting in touch. I am checking {order} and will "
                "send you the next steps shortly.",
                "Hi {first}, no problem at all - I will take care of it."),
    "technical": ("Hello {first}, thanks for the detailed report. I have passed it to our "
                  "technicians and will let you know what they find.",
                  "Hi {first}, sorry for the trouble. We are looking into it right now."),
    "account": ("Hello {first}, thanks for your message. I am looking at your account now.",
                "Hi {first}, I will take care of this and come back to you shortly."),
    "general": ("Hello {first}, thanks for your message! Let me check with the team and get "
                "back to you.",),
}

ASKS: dict[str, tuple[tuple[str, str], ...]] = {  # (the agent's question, the answer)
    "billing": (("Could you send me a screenshot of your card statement?",
                 "Here it is - the charges are at the bottom of the attached screenshot."),
                ("Which payment method did you use? The transaction id would help.",
                 "It was PayPal, transaction 7HX04522DL318. Thanks for checking!")),
    "shipping": (("Could you send me a photo of the parcel and the shipping label?",
                  "Photos attached - you can see the label and the damage."),
                 ("Could you confirm the delivery address and check with your neighbours?",
                  "The address is correct and I asked all neighbours - nobody has it.")),
    "returns": (("Could you tell me whether the item was used, and why you return it?",
                 "It was used twice; it is simply too big for our kitchen."),
                ("Could you send me a photo of the product and its serial number?",
                 "Sure - photos attached, the serial number is on the second one.")),
    "technical": (("Which browser and operating system do you use? A screenshot would help.",
                   "Firefox 132 on Windows 11, and Safari on my iPhone. Screenshot attached."),
                  ("Could you tell me the serial number on the bottom of the device?",
                   "It is PX-2231-0457. I descale it once a month.")),
    "account": (("For your security: could you confirm the postcode of your last delivery?",
                 "Of course - it is the one of my home address, 20355."),),
    "general": (("Could you tell me a little more about what you are looking for?",
                 "Mostly filter coffee for two people, sometimes espresso at weekends."),),
}

DETAILS = ("Here you go: the order number is {order}, and the photo is attached.",
           "Here you go - the screenshot you asked for is attached.")
"""Answers to the ``need-more-info`` template."""

NOTES: dict[str, tuple[str, ...]] = {
    "billing": ("Checked in the payment dashboard: {order}, {total} EUR, captured.",
                "Asked accounting to double-check before we refund anything."),
    "shipping": ("Warehouse confirms {order} left on time with {carrier}.",
                 "Checked the packing record of {order}: packed complete, weight matches."),
    "returns": ("Return of {order} is within the 30 days; no restocking fee.",
                "Customer has returned items before - all in perfect condition."),
    "technical": ("Reproduced the issue on staging; bug report filed with the dev team.",
                  "Same error reported by two other customers this week."),
    "account": ("Identity confirmed via the order history.",
                "No suspicious logins in the last 30 days."),
    "general": ("Passed the question on to the roastery team.",),
    "any": ("{agent}: called the customer, no answer; left a voicemail.",
            "Second ticket from this customer this month; consider a goodwill voucher."),
}

HOLDS: dict[str, tuple[str, ...]] = {
    "shipping": ("Opened an investigation with {carrier}; they answer within 2-3 days.",
                 "Asked the warehouse to check the packing record of {order}."),
    "returns": ("Waiting for the returned {product} to arrive at the warehouse.",
                "Asked the supplier whether the {product} warranty covers this."),
    "billing": ("Asked the payment provider to trace the transaction for {order}.",
                "Waiting for accounting to approve the correction."),
    "technical": ("Bug report filed with the dev team; waiting for a fix.",
                  "Asked the manufacturer about this error on the {product}."),
    "account": ("Asked the shop platform's support to check the account's login history.",),
    "general": ("Asked the roastery team; they answer after the next roast day.",),
}

REOPENS: dict[str, tuple[tuple[str, str], ...]] = {  # (the customer's complaint, the fix)
    "billing": (("The amount I got back is 4.90 EUR short - the shipping costs are missing.",
                 "Hi {first}, you are right - the shipping costs are refunded as well now."),),
    "shipping": (("Still nothing here, and the tracking has not changed since.",
                  "Hi {first}, I am very sorry. We have sent a new parcel by express today."),),
    "returns": (("The replacement has the same fault, unfortunately.",
                 "Hi {first}, sorry! We are refunding {order} in full; keep the replacement "
                 "for parts or send it back, as you prefer."),),
    "technical": (("Sorry, but the problem is back - it happened again this morning.",
                   "Hi {first}, the first fix did not cover your case; the new update does. "
                   "Could you install it and let us know?"),),
    "account": (("It worked for a day, now I am locked out again.",
                 "Hi {first}, a security rule kept locking you out; I have switched it off "
                 "for your account."),),
    "general": (("Sorry, one more question: does that also apply to the decaf beans?",
                 "Hi {first}, yes, exactly the same for decaf."),),
}

ESCALATIONS = (
    "Customer very unhappy, threatens a chargeback",
    "Needs a decision above agent level (goodwill refund)",
    "Possible safety issue with the product",
    "Third contact about the same problem",
)

ESCALATION_NOTES = (
    "Took over from {agent}. Approved a goodwill refund of 15 EUR on top.",
    "Took over from {agent}; talking to the supplier about the batch.",
)

THANKS = (
    "Great, that worked. Thank you!",
    "Thanks a lot for the quick help!",
    "Perfect, received it. Have a nice day!",
)

PHONE_SUMMARIES = (
    "Summary of our phone call: you reported the problem with {order}; I will check it and "
    "get back to you here.",
    "As discussed on the phone: we will look into this and update you here.",
)

FOLLOW_UPS = (
    ("Follow-up: {subject}", "Hi, this is about my earlier ticket - the problem has come back "
     "and I cannot reply there any more."),
    ("Again: {subject}", "Hello, unfortunately I have the same issue again with order {order}. "
     "Could you help once more?"),
)

SPAM = (
    ("Boost your SEO ranking today!!!", "Dear shop owner, we guarantee first page Google "
     "ranking in 7 days. Reply now for a 90% discount."),
    ("You have won an iPhone", "Congratulations! Click the link to claim your prize before "
     "midnight."),
    ("Cheap followers for your Instagram", "10,000 real followers for only 9.99 USD. Limited "
     "offer!"),
)

TEMPLATES: tuple[tuple[str, str, str, str], ...] = (
    ("ack", "Acknowledgement",
     "We received your request {{ ticket.number }}",
     "Hello {{ customer.name }},\n\nthank you for contacting " + SHOP + ". Your request "
     "\"{{ ticket.subject }}\" is registered as {{ ticket.number }} (status: "
     "{{ ticket.status }}). We usually reply within one business day.\n\n"
     "Your " + SHOP + " customer service"),
    ("shipping-delay", "Shipping delay",
     "Your delivery - {{ ticket.number }}",
     "Hello {{ customer.name }},\n\nwe are sorry that your delivery is late. The carrier "
     "reports a delay in their network; your parcel should reach you within 2-3 business "
     "days. We will keep an eye on it under {{ ticket.number }}.\n\nBest regards,\n"
     "{{ agent.name }}"),
    ("refund-approved", "Refund approved",
     "Refund approved - {{ ticket.number }}",
     "Hello {{ customer.name }},\n\ngood news: your refund has been approved and sent to "
     "your original payment method. Please allow 3-5 business days for it to show.\n\n"
     "Best regards,\n{{ agent.name }}"),
    ("need-more-info", "We need more information",
     "We need a few more details - {{ ticket.number }}",
     "Hello {{ customer.name }},\n\nto help you with \"{{ ticket.subject }}\" we need a few "
     "more details. Please reply to this message with your order number and, if possible, "
     "a photo or screenshot.\n\nThank you,\n{{ agent.name }}"),
)

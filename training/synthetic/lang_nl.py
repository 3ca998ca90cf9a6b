"""Dutch phrase bank."""

from __future__ import annotations

from training.synthetic.bank import LanguageBank

BANK = LanguageBank(
    code="nl",
    outage_phrase="Productie ligt plat",
    subjects={
        "outage": (
            "Productie ligt plat",
            "SPOED: {product} werkt voor niemand",
            "Storing - {code} op elke pagina",
            "Storing: {product} sinds {clock} onbereikbaar",
        ),
        "security_breach": (
            "Mogelijk beveiligingsincident op ons account",
            "Datalek: klantgegevens zichtbaar voor buitenstaanders",
            "Onbekende inlogpogingen uit het buitenland - account gehackt?",
        ),
        "data_loss": (
            "Al onze gegevens zijn weg na de update",
            "Records verwijderd in {product}",
            "Gegevensverlies: invoer van vorige week ontbreekt",
        ),
        "payment_failure": (
            "Betaling mislukt",
            "Klanten kunnen niet afrekenen",
            "Kaart geweigerd met {code}",
        ),
        "login_problem": (
            "Kan niet inloggen",
            "Buitengesloten van mijn account",
            "Inloggen werkt niet - {code}",
        ),
        "bug": (
            "Exportknop doet niets",
            "Fout in {product}: {code} bij opslaan",
            "Sommige gebruikers zien een lege pagina",
        ),
        "slow_performance": (
            "{product} is erg traag",
            "Rapporten traag sinds de update",
            "Pagina's laden eindeloos",
        ),
        "how_to": (
            "Hoe voeg ik een nieuwe gebruiker toe?",
            "Vraag over het exporteren van gegevens",
            "Hoe wijzig ik het factuuradres?",
        ),
        "feature_request": (
            "Functieverzoek: {feature}",
            "Suggestie voor {product}",
            "Zou mooi zijn: {feature}",
        ),
        "typo": (
            "Typfout op jullie website",
            "Kleine typfout in {product}",
            "Spelfout op {url}",
        ),
        "refund_request": (
            "Twee keer afgeschreven - graag terugstorten",
            "Verzoek om terugbetaling",
            "Terugbetaling factuur {invoice}",
        ),
        "billing_question": (
            "Vraag over onze factuur",
            "Btw-nummer op facturen",
            "Factuur {invoice}",
        ),
        "sales_inquiry": (
            "Prijs voor {count} licenties",
            "Aanvraag demo",
            "Interesse in het Enterprise-abonnement",
        ),
    },
    bodies={
        "outage": (
            "Onze hele productieomgeving ligt plat. Elke aanvraag naar {product} geeft {code} en "
            "niemand in het team kan werken.",
            "{product} is sinds {clock} onbereikbaar. We krijgen {code} op elke pagina en onze "
            "klanten kunnen geen bestellingen plaatsen.",
            "Niets werkt meer bij ons. {url} geeft alleen een time-out, terwijl jullie "
            "statuspagina zegt dat alles in orde is.",
        ),
        "security_breach": (
            "We zien inlogs op ons {product}-account vanaf IP-adressen die we niet kennen, en er "
            "is een API-sleutel aangemaakt die niemand van ons heeft gemaakt. We denken dat het "
            "om een beveiligingsincident gaat.",
            "Een klant stuurde ons een link waar facturen van andere klanten openbaar te zien "
            "zijn: {url}. Dit lijkt op een datalek.",
            "Iemand heeft vannacht het beheerderswachtwoord gewijzigd en al onze contacten "
            "geëxporteerd. Blokkeer alstublieft het account en laat ons weten wat er is ingezien.",
        ),
        "data_loss": (
            "Na de update van vannacht zijn alle projecten in {product} leeg. Weken werk is "
            "verdwenen.",
            "Ongeveer {count} records zijn uit {product} verdwenen zonder dat iemand ze heeft "
            "verwijderd. Het importlog toont {code}.",
            "Alles wat we sinds gisteren {clock} hebben ingevoerd, ontbreekt. Hebben jullie een "
            "back-up die jullie kunnen terugzetten?",
        ),
        "payment_failure": (
            "Onze maandelijkse betaling is geweigerd met foutcode {code}, terwijl de kaart geldig "
            "is. Help ons alstublieft voordat het account wordt opgeschort.",
            "Sinds {clock} kan geen enkele klant van ons meer afrekenen. De betaalstap mislukt "
            "met {code}.",
            "Ik heb drie keer geprobeerd factuur {invoice} te betalen en het mislukt elke keer.",
        ),
        "login_problem": (
            "Ik kan niet inloggen bij {product}. Na het invoeren van mijn wachtwoord krijg ik "
            "{code} en kom ik weer op de inlogpagina.",
            "De code voor tweestapsverificatie komt nooit aan, dus ik kan niet bij mijn account.",
            "De link om mijn wachtwoord te resetten via {url} zegt dat hij verlopen is, ook als "
            "ik hem meteen gebruik.",
        ),
        "bug": (
            "Als ik in {product} op exporteren klik, gebeurt er niets. Bij mijn collega werkt het "
            "wel, bij mij in {browser} niet.",
            "Het opslaan van een formulier mislukt soms met {code}. Het gebeurt bij sommige "
            "gebruikers, niet bij iedereen.",
            "Een paar van onze gebruikers zien alleen een lege pagina op {url}. Opnieuw laden "
            "helpt meestal.",
        ),
        "slow_performance": (
            "Vandaag duurt elke pagina in {product} {minutes} seconden of langer. Het is "
            "bruikbaar, maar net.",
            "Rapporten die vroeger in een paar seconden klaar waren, duren nu {minutes} minuten.",
            "Het dashboard is sinds maandag extreem traag in {browser}.",
        ),
        "how_to": (
            "Hoe geef ik een nieuwe collega toegang tot {product}? Ik kon het niet vinden bij de "
            "instellingen.",
            "Is het mogelijk om alle contacten naar Excel te exporteren? Zo ja, waar vind ik dat?",
            "Waar kan ik het adres op onze facturen wijzigen?",
        ),
        "feature_request": (
            "Het zou geweldig zijn als {product} {feature} zou ondersteunen. Velen van ons zouden "
            "het dagelijks gebruiken.",
            "Zijn er plannen om {feature} toe te voegen? Nu gebruiken we een noodoplossing.",
            "Kleine suggestie: overweeg alstublieft {feature} in een volgende versie.",
        ),
        "typo": (
            'Even ter info: op {url} staat "{wrong}" in plaats van "{right}".',
            'Er zit een kleine spelfout in {product}: "{wrong}" moet "{right}" zijn.',
            'Ik zag een typfout op de prijzenpagina: "{wrong}".',
        ),
        "refund_request": (
            "Er is deze maand twee keer {amount} afgeschreven. Kunnen jullie de dubbele betaling "
            "terugstorten?",
            "We hebben vorige maand opgezegd, maar er is toch {amount} afgeschreven. Graag het "
            "bedrag terugstorten.",
            "Ik wil graag een terugbetaling voor factuur {invoice}, we hebben de upgrade nooit "
            "gebruikt.",
        ),
        "billing_question": (
            "Kunnen jullie het bedrag van {amount} op factuur {invoice} uitleggen? Het is hoger "
            "dan vorige maand.",
            "Kunnen jullie ons btw-nummer op toekomstige facturen vermelden?",
            "Wanneer wordt de volgende factuur verstuurd, en kunnen we per bankoverschrijving "
            "betalen?",
        ),
        "sales_inquiry": (
            "We overwegen {product} voor ongeveer {count} medewerkers. Kunnen jullie ons een "
            "offerte sturen?",
            "Kunnen we volgende week een demo van {product} inplannen?",
            "Wat kost het Enterprise-abonnement voor ons team, en zit SSO erbij?",
        ),
    },
    greetings=("Hallo,", "Beste supportafdeling,", "Goedemorgen,", "Hoi,"),
    signoffs=(
        "Alvast bedankt,\n{name}",
        "Met vriendelijke groet,\n{name}",
        "Groeten,\n{name}",
        "Mvg {name}",
    ),
    urgent_cues=(
        "Elke minuut kost ons geld.",
        "Bel me alstublieft zo snel mogelijk.",
        "Dit blokkeert ons hele team.",
        "We hebben vandaag een harde deadline.",
    ),
    calm_cues=("Geen haast.", "Als jullie tijd hebben.", "Helemaal niet dringend."),
    affected_cues=(
        "Ongeveer {n} gebruikers hebben er last van.",
        "{n} mensen in ons bedrijf kunnen niet werken.",
        "Dit raakt {n} van onze gebruikers.",
    ),
    names=(
        "Sanne de Vries",
        "Pieter",
        "Lotte Jansen",
        "Daan",
        "Eva Bakker",
        "Thijs",
        "Anouk Visser",
    ),
    features=(
        "een donkere modus",
        "export naar PDF",
        "agendasynchronisatie",
        "meertalige sjablonen",
        "bulkbewerking",
    ),
    typos=(
        ("Factuurr", "Factuur"),
        ("instelingen", "instellingen"),
        ("wachtwoort", "wachtwoord"),
        ("gebruikesr", "gebruikers"),
    ),
    currency="€ {v}",
    decimal_comma=True,
    clock_sep=":",
    function_words=frozenset(
        [
            "de",
            "het",
            "een",
            "en",
            "is",
            "niet",
            "we",
            "ik",
            "van",
            "op",
            "in",
            "onze",
            "ons",
            "dat",
            "er",
            "bij",
            "met",
            "voor",
        ]
    ),
)

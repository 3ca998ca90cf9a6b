"""Danish phrase bank."""

from __future__ import annotations

from training.synthetic.bank import LanguageBank

BANK = LanguageBank(
    code="da",
    outage_phrase="Produktionen er nede",
    subjects={
        "outage": (
            "Produktionen er nede",
            "HASTER: {product} virker ikke for nogen",
            "Nedbrud - {code} på alle sider",
            "Driftsforstyrrelse: {product} utilgængelig siden kl. {clock}",
        ),
        "security_breach": (
            "Muligt sikkerhedsbrud på vores konto",
            "Datalæk: kundedata kan ses af uvedkommende",
            "Ukendte logins fra udlandet - er kontoen kompromitteret?",
        ),
        "data_loss": (
            "Alle vores data er væk efter opdateringen",
            "Poster slettet i {product}",
            "Datatab: sidste uges registreringer mangler",
        ),
        "payment_failure": (
            "Betalingen fejlede",
            "Kunderne kan ikke betale i kassen",
            "Kortet blev afvist med {code}",
        ),
        "login_problem": (
            "Kan ikke logge ind",
            "Låst ude af min konto",
            "Login virker ikke - {code}",
        ),
        "bug": (
            "Eksport-knappen gør ingenting",
            "Fejl i {product}: {code} når vi gemmer",
            "Nogle brugere ser en blank side",
        ),
        "slow_performance": (
            "{product} er meget langsom",
            "Langsomme rapporter efter opdateringen",
            "Siderne er evigheder om at indlæse",
        ),
        "how_to": (
            "Hvordan tilføjer jeg en ny bruger?",
            "Spørgsmål om eksport af data",
            "Hvordan ændrer jeg fakturaadressen?",
        ),
        "feature_request": (
            "Ønske om ny funktion: {feature}",
            "Forslag til {product}",
            "Det ville være skønt med {feature}",
        ),
        "typo": (
            "Stavefejl på jeres hjemmeside",
            "Lille stavefejl i {product}",
            "Slåfejl på {url}",
        ),
        "refund_request": (
            "Trukket to gange - refundér venligst",
            "Anmodning om refusion",
            "Refusion af faktura {invoice}",
        ),
        "billing_question": (
            "Spørgsmål til vores faktura",
            "CVR-nummer på fakturaer",
            "Faktura {invoice}",
        ),
        "sales_inquiry": (
            "Pris for {count} licenser",
            "Ønsker en demo",
            "Interesseret i enterprise-abonnementet",
        ),
    },
    bodies={
        "outage": (
            "Hele vores produktionsmiljø er nede. Alle kald til {product} giver {code}, og ingen "
            "i teamet kan arbejde.",
            "{product} har været utilgængelig siden kl. {clock}. Vi får {code} på alle sider, og "
            "vores kunder kan ikke afgive ordrer.",
            "Intet virker hos os. {url} giver bare timeout, selvom jeres statusside siger, at alt "
            "er i orden.",
        ),
        "security_breach": (
            "Vi har fundet logins på vores {product}-konto fra IP-adresser, vi ikke kender, og "
            "der er oprettet en API-nøgle, som ingen af os har lavet. Vi tror, der er tale om et "
            "sikkerhedsbrud.",
            "En kunde har sendt os et link, hvor andre kunders fakturaer ligger offentligt: {url}. "
            "Det ligner et datalæk.",
            "Nogen har i nat ændret administratoradgangskoden og eksporteret alle vores kontakter. "
            "Spær venligst kontoen og fortæl os, hvad der er blevet tilgået.",
        ),
        "data_loss": (
            "Efter opdateringen i nat er alle projekter i {product} tomme. Flere ugers arbejde er "
            "forsvundet.",
            "Omkring {count} poster er forsvundet fra {product}, uden at nogen har slettet dem. "
            "Importloggen viser {code}.",
            "Alt, hvad vi har indtastet siden kl. {clock} i går, mangler. Har I en backup, I kan "
            "gendanne?",
        ),
        "payment_failure": (
            "Vores månedlige betaling blev afvist med fejlen {code}, selvom kortet er gyldigt. "
            "Hjælp os venligst, før kontoen bliver lukket.",
            "Siden kl. {clock} har ingen af vores kunder kunnet gennemføre et køb. "
            "Betalingstrinnet fejler med {code}.",
            "Jeg har prøvet at betale faktura {invoice} tre gange, og det fejler hver gang.",
        ),
        "login_problem": (
            "Jeg kan ikke logge ind i {product}. Når jeg har tastet min adgangskode, får jeg "
            "{code} og havner på login-siden igen.",
            "Koden til totrinsbekræftelse kommer aldrig, så jeg er låst ude af min konto.",
            "Linket til nulstilling af adgangskode fra {url} siger, at det er udløbet, selv når "
            "jeg bruger det med det samme.",
        ),
        "bug": (
            "Når jeg klikker på eksport i {product}, sker der ingenting. Det virker for min "
            "kollega, men ikke for mig i {browser}.",
            "Når vi gemmer en formular, fejler det nogle gange med {code}. Det sker for nogle "
            "brugere, ikke alle.",
            "Et par af vores brugere ser kun en blank side på {url}. Det hjælper som regel at "
            "genindlæse.",
        ),
        "slow_performance": (
            "I dag tager hver side i {product} {minutes} sekunder eller mere at indlæse. Det kan "
            "bruges, men kun lige.",
            "Rapporter, der før tog få sekunder, kører nu i {minutes} minutter.",
            "Dashboardet har været ekstremt langsomt i {browser} siden mandag.",
        ),
        "how_to": (
            "Hvordan giver jeg en ny kollega adgang til {product}? Jeg kunne ikke finde det under "
            "indstillinger.",
            "Er det muligt at eksportere alle kontakter til Excel? Hvor finder jeg det i så fald?",
            "Hvor kan jeg ændre adressen på vores fakturaer?",
        ),
        "feature_request": (
            "Det ville være rigtig godt, hvis {product} understøttede {feature}. Mange af os ville "
            "bruge det dagligt.",
            "Har I planer om at tilføje {feature}? Lige nu bruger vi en nødløsning.",
            "Et lille forslag: Overvej venligst {feature} i en kommende version.",
        ),
        "typo": (
            'Bare så I ved det: På {url} står der "{wrong}" i stedet for "{right}".',
            'Der er en lille stavefejl i {product}: "{wrong}" skal være "{right}".',
            'Jeg har set en slåfejl på prissiden: "{wrong}".',
        ),
        "refund_request": (
            "Vi er blevet trukket {amount} to gange denne måned. Kan I refundere den dobbelte "
            "betaling?",
            "Vi opsagde abonnementet sidste måned, men er alligevel blevet trukket {amount}. "
            "Refundér venligst beløbet.",
            "Jeg vil gerne have pengene tilbage for faktura {invoice}, vi har aldrig brugt "
            "opgraderingen.",
        ),
        "billing_question": (
            "Kan I forklare beløbet på {amount} på faktura {invoice}? Det er højere end sidste "
            "måned.",
            "Kan I tilføje vores CVR-nummer på fremtidige fakturaer?",
            "Hvornår bliver næste faktura sendt, og kan vi betale via bankoverførsel?",
        ),
        "sales_inquiry": (
            "Vi overvejer {product} til omkring {count} medarbejdere. Kan I sende os et tilbud?",
            "Kan vi booke en demo af {product} i næste uge?",
            "Hvad vil enterprise-abonnementet koste for vores team, og er SSO inkluderet?",
        ),
    },
    greetings=("Hej,", "Hej med jer,", "Kære support,", "Goddag,"),
    signoffs=(
        "Tak på forhånd\n{name}",
        "Venlig hilsen\n{name}",
        "Med venlig hilsen\n{name}",
        "Mvh. {name}",
    ),
    urgent_cues=(
        "Det koster os penge hvert minut.",
        "Ring venligst til mig hurtigst muligt.",
        "Det blokerer hele vores team.",
        "Vi har en fast deadline i dag.",
    ),
    calm_cues=("Det haster ikke.", "Når I har tid.", "Slet ikke akut."),
    affected_cues=(
        "Omkring {n} brugere er berørt.",
        "{n} personer i vores firma kan ikke arbejde.",
        "Det rammer {n} af vores brugere.",
    ),
    names=(
        "Mette",
        "Søren Jensen",
        "Camilla",
        "Mads Nielsen",
        "Line Kristensen",
        "Anders",
        "Pernille Hansen",
    ),
    features=(
        "mørk tilstand",
        "eksport til PDF",
        "kalendersynkronisering",
        "skabeloner på flere sprog",
        "masseredigering",
    ),
    typos=(
        ("Fakutra", "Faktura"),
        ("indstilinger", "indstillinger"),
        ("adgangskdoe", "adgangskode"),
        ("brugre", "brugere"),
    ),
    currency="{v} kr.",
    decimal_comma=True,
    clock_sep=".",
    function_words=frozenset(
        [
            "og",
            "er",
            "ikke",
            "vi",
            "jeg",
            "det",
            "en",
            "et",
            "på",
            "i",
            "til",
            "af",
            "har",
            "kan",
            "vores",
            "med",
            "for",
            "der",
        ]
    ),
)

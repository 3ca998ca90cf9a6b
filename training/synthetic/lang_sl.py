"""Slovenian phrase bank (product names follow a noun so they need no declension)."""

from __future__ import annotations

from training.synthetic.bank import LanguageBank

BANK = LanguageBank(
    code="sl",
    outage_phrase="Produkcija ne deluje",
    subjects={
        "outage": (
            "Produkcija ne deluje",
            "NUJNO: aplikacija {product} ne deluje nikomur",
            "Izpad - {code} na vsaki strani",
            "Izpad: aplikacija {product} nedosegljiva od {clock} dalje",
        ),
        "security_breach": (
            "Možen varnostni incident na našem računu",
            "Uhajanje podatkov: podatki strank vidni tujim osebam",
            "Neznane prijave iz tujine - je račun vdrt?",
        ),
        "data_loss": (
            "Po posodobitvi so vsi naši podatki izginili",
            "Izbrisani zapisi v aplikaciji {product}",
            "Izguba podatkov: manjkajo vnosi prejšnjega tedna",
        ),
        "payment_failure": (
            "Plačilo ni uspelo",
            "Stranke ne morejo plačati v košarici",
            "Kartica zavrnjena, napaka {code}",
        ),
        "login_problem": (
            "Ne morem se prijaviti",
            "Zaklenjen sem iz računa",
            "Prijava ne deluje - {code}",
        ),
        "bug": (
            "Gumb za izvoz ne naredi ničesar",
            "Napaka v aplikaciji {product}: {code} pri shranjevanju",
            "Nekateri uporabniki vidijo prazno stran",
        ),
        "slow_performance": (
            "Aplikacija {product} je zelo počasna",
            "Poročila so po posodobitvi počasna",
            "Strani se nalagajo celo večnost",
        ),
        "how_to": (
            "Kako dodam novega uporabnika?",
            "Vprašanje o izvozu podatkov",
            "Kako spremenim naslov za račune?",
        ),
        "feature_request": (
            "Predlog za novo funkcijo: {feature}",
            "Predlog za aplikacijo {product}",
            "Bilo bi super imeti {feature}",
        ),
        "typo": (
            "Tipkarska napaka na vaši spletni strani",
            "Manjša tipkarska napaka v aplikaciji {product}",
            "Pravopisna napaka na {url}",
        ),
        "refund_request": (
            "Dvakrat ste nas bremenili - prosimo za vračilo",
            "Zahteva za vračilo denarja",
            "Vračilo za račun {invoice}",
        ),
        "billing_question": (
            "Vprašanje glede našega računa",
            "Davčna številka na računih",
            "Račun {invoice}",
        ),
        "sales_inquiry": (
            "Cena za {count} licenc",
            "Prošnja za predstavitev",
            "Zanima nas paket Enterprise",
        ),
    },
    bodies={
        "outage": (
            "Naše celotno produkcijsko okolje ne deluje. Vsaka zahteva do aplikacije {product} "
            "vrne {code} in nihče v ekipi ne more delati.",
            "Aplikacija {product} je nedosegljiva od {clock} dalje. Na vsaki strani dobimo {code} "
            "in naše stranke ne morejo oddati naročil.",
            "Pri nas nič ne dela. {url} se ne odziva, čeprav vaša statusna stran kaže, da je vse "
            "v redu.",
        ),
        "security_breach": (
            "Na našem računu v aplikaciji {product} smo opazili prijave z IP-naslovov, ki jih ne "
            "poznamo, ustvarjen pa je bil tudi API-ključ, ki ga ni naredil nihče od nas. Sumimo, "
            "da gre za varnostni incident.",
            "Stranka nam je poslala povezavo, kjer so javno vidni računi drugih strank: {url}. To "
            "je videti kot uhajanje podatkov.",
            "Nekdo je ponoči spremenil skrbniško geslo in izvozil vse naše kontakte. Prosimo, "
            "zaklenite račun in nam sporočite, do česa je dostopal.",
        ),
        "data_loss": (
            "Po nočni posodobitvi so vsi projekti v aplikaciji {product} prazni. Izginilo je več "
            "tednov dela.",
            "Približno {count} zapisov je izginilo iz aplikacije {product}, ne da bi jih kdo "
            "izbrisal. Dnevnik uvoza kaže {code}.",
            "Vse, kar smo vnesli od včeraj ob {clock}, manjka. Imate varnostno kopijo, ki jo "
            "lahko obnovite?",
        ),
        "payment_failure": (
            "Naše mesečno plačilo je bilo zavrnjeno z napako {code}, čeprav je kartica veljavna. "
            "Prosimo, pomagajte, preden bo račun blokiran.",
            "Od {clock} nobena od naših strank ne more zaključiti nakupa. Korak plačila se ustavi "
            "z napako {code}.",
            "Račun {invoice} sem poskušal plačati trikrat in vsakič ne uspe.",
        ),
        "login_problem": (
            "Ne morem se prijaviti v aplikacijo {product}. Ko vnesem geslo, dobim {code} in se "
            "vrnem na stran za prijavo.",
            "Koda za dvostopenjsko preverjanje nikoli ne pride, zato ne morem do svojega računa.",
            "Povezava za ponastavitev gesla z {url} pravi, da je potekla, čeprav jo odprem takoj.",
        ),
        "bug": (
            "Ko v aplikaciji {product} kliknem izvoz, se ne zgodi nič. Sodelavki deluje, meni v "
            "brskalniku {browser} pa ne.",
            "Shranjevanje obrazca včasih ne uspe z napako {code}. Zgodi se pri nekaterih "
            "uporabnikih, ne pri vseh.",
            "Nekaj naših uporabnikov na {url} vidi le prazno stran. Ponovno nalaganje običajno "
            "pomaga.",
        ),
        "slow_performance": (
            "Danes se vsaka stran v aplikaciji {product} nalaga {minutes} sekund ali več. Delati "
            "se da, ampak komaj.",
            "Poročila, ki so bila prej gotova v nekaj sekundah, zdaj tečejo {minutes} minut.",
            "Nadzorna plošča je od ponedeljka v brskalniku {browser} izjemno počasna.",
        ),
        "how_to": (
            "Kako novemu sodelavcu omogočim dostop do aplikacije {product}? V nastavitvah tega "
            "nisem našel.",
            "Ali je mogoče izvoziti vse kontakte v Excel? Če je, kje to najdem?",
            "Kje lahko spremenim naslov na naših računih?",
        ),
        "feature_request": (
            "Bilo bi odlično, če bi aplikacija {product} podpirala {feature}. Veliko nas bi to "
            "uporabljalo vsak dan.",
            "Ali načrtujete dodati {feature}? Trenutno si pomagamo z zasilno rešitvijo.",
            "Majhen predlog: v prihodnji različici prosim dodajte {feature}.",
        ),
        "typo": (
            'Samo v vednost: na {url} piše "{wrong}" namesto "{right}".',
            'V aplikaciji {product} je manjša pravopisna napaka: "{wrong}" bi moralo biti '
            '"{right}".',
            'Na strani s ceniki sem opazil tipkarsko napako: "{wrong}".',
        ),
        "refund_request": (
            "Ta mesec ste nas dvakrat bremenili za {amount}. Nam lahko vrnete podvojeno plačilo?",
            "Prejšnji mesec smo naročnino odpovedali, pa ste nas vseeno bremenili za {amount}. "
            "Prosimo, vrnite znesek.",
            "Želim vračilo denarja za račun {invoice}, nadgradnje nismo nikoli uporabili.",
        ),
        "billing_question": (
            "Mi lahko pojasnite znesek {amount} na računu {invoice}? Višji je kot prejšnji mesec.",
            "Lahko na prihodnje račune dodate našo davčno številko?",
            "Kdaj bo poslan naslednji račun in ali lahko plačamo z bančnim nakazilom?",
        ),
        "sales_inquiry": (
            "Razmišljamo o aplikaciji {product} za približno {count} zaposlenih. Nam lahko "
            "pošljete ponudbo?",
            "Ali se lahko naslednji teden dogovorimo za predstavitev aplikacije {product}?",
            "Koliko bi paket Enterprise stal za našo ekipo in ali vključuje SSO?",
        ),
    },
    greetings=("Pozdravljeni,", "Dober dan,", "Spoštovani,", "Živijo,"),
    signoffs=("Hvala,\n{name}", "Lep pozdrav,\n{name}", "Lep pozdrav\n{name}", "LP, {name}"),
    urgent_cues=(
        "Vsaka minuta nas stane denar.",
        "Prosim, pokličite me čim prej.",
        "To blokira celotno ekipo.",
        "Danes imamo nepremakljiv rok.",
    ),
    calm_cues=("Nič ne hiti.", "Ko boste utegnili.", "Sploh ni nujno."),
    affected_cues=(
        "Prizadetih je približno {n} uporabnikov.",
        "{n} ljudi v našem podjetju ne more delati.",
        "To vpliva na {n} naših uporabnikov.",
    ),
    names=("Maja Novak", "Luka", "Nina Horvat", "Matej", "Petra Kovačič", "Rok", "Tina Krajnc"),
    features=(
        "temni način",
        "izvoz v PDF",
        "sinhronizacijo koledarja",
        "večjezične predloge",
        "množično urejanje",
    ),
    typos=(
        ("Nastavtve", "Nastavitve"),
        ("geselo", "geslo"),
        ("uporabnkik", "uporabnik"),
        ("plačlio", "plačilo"),
    ),
    currency="{v} €",
    decimal_comma=True,
    clock_sep=":",
    function_words=frozenset(
        [
            "in",
            "je",
            "ne",
            "se",
            "da",
            "na",
            "v",
            "za",
            "so",
            "smo",
            "ki",
            "ali",
            "pa",
            "nam",
            "vse",
            "lahko",
            "naše",
            "naši",
            "bi",
            "če",
            "to",
            "nas",
        ]
    ),
)

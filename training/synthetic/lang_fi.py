"""Finnish phrase bank."""

from __future__ import annotations

from training.synthetic.bank import LanguageBank

BANK = LanguageBank(
    code="fi",
    outage_phrase="Tuotanto on alhaalla",
    subjects={
        "outage": (
            "Tuotanto on alhaalla",
            "KIIREELLINEN: {product} ei toimi kenelläkään",
            "Palvelu nurin - {code} joka sivulla",
            "Käyttökatko: {product} poissa käytöstä klo {clock} lähtien",
        ),
        "security_breach": (
            "Mahdollinen tietoturvaloukkaus tilillämme",
            "Tietovuoto: asiakastiedot ulkopuolisten nähtävillä",
            "Tuntemattomia kirjautumisia ulkomailta - onko tili murrettu?",
        ),
        "data_loss": (
            "Kaikki tietomme katosivat päivityksen jälkeen",
            "Tietueita poistunut palvelusta {product}",
            "Tietoja menetetty: viime viikon kirjaukset puuttuvat",
        ),
        "payment_failure": (
            "Maksu epäonnistui",
            "Asiakkaat eivät pysty maksamaan kassalla",
            "Kortti hylättiin virheellä {code}",
        ),
        "login_problem": (
            "En pääse kirjautumaan",
            "Tili lukittu, en pääse sisään",
            "Kirjautuminen ei toimi - {code}",
        ),
        "bug": (
            "Vientipainike ei tee mitään",
            "Virhe palvelussa {product}: {code} tallennettaessa",
            "Osa käyttäjistä näkee tyhjän sivun",
        ),
        "slow_performance": (
            "{product} on todella hidas",
            "Raportit hitaita päivityksen jälkeen",
            "Sivut latautuvat ikuisuuden",
        ),
        "how_to": (
            "Miten lisään uuden käyttäjän?",
            "Kysymys tietojen viennistä",
            "Miten vaihdan laskutusosoitteen?",
        ),
        "feature_request": (
            "Ominaisuustoive: {feature}",
            "Ehdotus palveluun {product}",
            "Olisi hienoa saada {feature}",
        ),
        "typo": (
            "Kirjoitusvirhe verkkosivuillanne",
            "Pieni kirjoitusvirhe palvelussa {product}",
            "Kirjoitusvirhe osoitteessa {url}",
        ),
        "refund_request": (
            "Veloitettu kahdesti - pyydämme hyvitystä",
            "Hyvityspyyntö",
            "Hyvitys laskusta {invoice}",
        ),
        "billing_question": (
            "Kysymys laskustamme",
            "Y-tunnus laskuihin",
            "Lasku {invoice}",
        ),
        "sales_inquiry": (
            "Hinta {count} käyttäjälle",
            "Demopyyntö",
            "Kiinnostaa Enterprise-paketti",
        ),
    },
    bodies={
        "outage": (
            "Koko tuotantoympäristömme on alhaalla. Jokainen pyyntö palveluun {product} palauttaa "
            "virheen {code}, eikä kukaan tiimistä pysty tekemään töitä.",
            "{product} ei ole vastannut klo {clock} jälkeen. Jokaisella sivulla näkyy {code}, "
            "eivätkä asiakkaamme pysty tekemään tilauksia.",
            "Mikään ei toimi. {url} ei vastaa ollenkaan, vaikka tilasivunne mukaan kaikki on "
            "kunnossa.",
        ),
        "security_breach": (
            "Huomasimme {product}-tilillämme kirjautumisia IP-osoitteista, joita emme tunnista, "
            "ja joku on luonut API-avaimen, jota kukaan meistä ei ole tehnyt. Epäilemme "
            "tietoturvaloukkausta.",
            "Asiakas lähetti meille linkin, josta muiden asiakkaiden laskut näkyvät julkisesti: "
            "{url}. Tämä näyttää tietovuodolta.",
            "Joku vaihtoi viime yönä pääkäyttäjän salasanan ja vei kaikki yhteystietomme. "
            "Lukitkaa tili ja kertokaa, mihin tietoihin on päästy käsiksi.",
        ),
        "data_loss": (
            "Viime yön päivityksen jälkeen kaikki projektit palvelussa {product} ovat tyhjiä. "
            "Viikkojen työ on kadonnut.",
            "Noin {count} tietuetta on kadonnut palvelusta {product}, vaikka kukaan ei ole "
            "poistanut niitä. Tuontilokissa näkyy {code}.",
            "Kaikki, mitä olemme syöttäneet eilen klo {clock} jälkeen, puuttuu. Onko teillä "
            "varmuuskopiota, jonka voisitte palauttaa?",
        ),
        "payment_failure": (
            "Kuukausimaksumme hylättiin virheellä {code}, vaikka kortti on voimassa. Auttakaa "
            "ennen kuin tili suljetaan.",
            "Klo {clock} lähtien yksikään asiakkaistamme ei ole pystynyt viemään ostosta loppuun. "
            "Maksuvaihe kaatuu virheeseen {code}.",
            "Yritin maksaa laskun {invoice} kolme kertaa, ja se epäonnistuu joka kerta.",
        ),
        "login_problem": (
            "En pääse kirjautumaan palveluun {product}. Salasanan syöttämisen jälkeen tulee "
            "virhe {code} ja palaan kirjautumissivulle.",
            "Kaksivaiheisen tunnistautumisen koodi ei koskaan tule perille, joten en pääse "
            "tililleni.",
            "Salasanan palautuslinkki osoitteesta {url} on muka vanhentunut, vaikka avaan sen "
            "heti.",
        ),
        "bug": (
            "Kun painan vientiä palvelussa {product}, mitään ei tapahdu. Kollegallani se toimii, "
            "mutta minulla ei {browser}-selaimessa.",
            "Lomakkeen tallennus epäonnistuu välillä virheellä {code}. Tämä koskee osaa "
            "käyttäjistä, ei kaikkia.",
            "Muutama käyttäjämme näkee osoitteessa {url} vain tyhjän sivun. Sivun päivittäminen "
            "yleensä auttaa.",
        ),
        "slow_performance": (
            "Tänään jokaisen sivun lataaminen palvelussa {product} kestää {minutes} sekuntia tai "
            "enemmän. Töitä pystyy tekemään, mutta juuri ja juuri.",
            "Raportit, jotka ennen valmistuivat sekunneissa, kestävät nyt {minutes} minuuttia.",
            "Hallintapaneeli on ollut maanantaista asti erittäin hidas {browser}-selaimessa.",
        ),
        "how_to": (
            "Miten annan uudelle kollegalle pääsyn palveluun {product}? En löytänyt sitä "
            "asetuksista.",
            "Voiko kaikki yhteystiedot viedä Exceliin? Jos voi, mistä sen löydän?",
            "Mistä voin vaihtaa laskuissamme näkyvän osoitteen?",
        ),
        "feature_request": (
            "Olisi todella hyvä, jos palvelussa {product} olisi {feature}. Moni meistä käyttäisi "
            "sitä päivittäin.",
            "Onko suunnitelmissa lisätä {feature}? Tällä hetkellä käytämme kiertotietä.",
            "Pieni ehdotus: harkitkaa tulevaan versioon tätä: {feature}.",
        ),
        "typo": (
            'Tiedoksi: osoitteessa {url} lukee "{wrong}", vaikka pitäisi olla "{right}".',
            'Palvelussa {product} on pieni kirjoitusvirhe: "{wrong}" pitäisi olla "{right}".',
            'Huomasin hinnastosivulla kirjoitusvirheen: "{wrong}".',
        ),
        "refund_request": (
            "Meiltä veloitettiin tässä kuussa {amount} kahteen kertaan. Voisitteko palauttaa "
            "ylimääräisen maksun?",
            "Irtisanoimme sopimuksen viime kuussa, mutta meiltä veloitettiin silti {amount}. "
            "Palauttakaa summa, kiitos.",
            "Haluaisin hyvityksen laskusta {invoice}, emme koskaan käyttäneet päivitystä.",
        ),
        "billing_question": (
            "Voitteko selittää laskun {invoice} summan {amount}? Se on suurempi kuin viime kuussa.",
            "Voisitteko lisätä Y-tunnuksemme tuleviin laskuihin?",
            "Milloin seuraava lasku lähetetään, ja voimmeko maksaa tilisiirrolla?",
        ),
        "sales_inquiry": (
            "Harkitsemme palvelua {product} noin {count} työntekijälle. Voisitteko lähettää "
            "meille tarjouksen?",
            "Voisimmeko sopia esittelyn palvelusta {product} ensi viikolle?",
            "Paljonko Enterprise-paketti maksaisi tiimillemme, ja sisältyykö siihen SSO?",
        ),
    },
    greetings=("Hei,", "Moi,", "Hyvä asiakastuki,", "Terve,"),
    signoffs=(
        "Kiitos,\n{name}",
        "Ystävällisin terveisin\n{name}",
        "Terveisin\n{name}",
        "t. {name}",
    ),
    urgent_cues=(
        "Menetämme rahaa joka minuutti.",
        "Soittakaa minulle mahdollisimman pian.",
        "Tämä estää koko tiimimme työt.",
        "Meillä on tänään ehdoton määräaika.",
    ),
    calm_cues=("Ei kiirettä.", "Kun ehditte.", "Ei ollenkaan kiireellinen."),
    affected_cues=(
        "Ongelma koskee noin {n} käyttäjää.",
        "{n} ihmistä yrityksessämme ei pysty tekemään töitä.",
        "Tämä vaikuttaa {n} käyttäjäämme.",
    ),
    names=(
        "Matti Virtanen",
        "Laura",
        "Juha Korhonen",
        "Anna-Maija",
        "Mikko Nieminen",
        "Sanna",
        "Ville Mäkinen",
    ),
    features=(
        "tumma tila",
        "PDF-vienti",
        "kalenterin synkronointi",
        "monikieliset mallipohjat",
        "massamuokkaus",
    ),
    typos=(
        ("Laksu", "Lasku"),
        ("asetukest", "asetukset"),
        ("salasnaa", "salasana"),
        ("käyttäjt", "käyttäjät"),
    ),
    currency="{v} €",
    decimal_comma=True,
    clock_sep=".",
    function_words=frozenset(
        [
            "ja",
            "ei",
            "on",
            "en",
            "se",
            "että",
            "kun",
            "mutta",
            "olla",
            "eikä",
            "kaikki",
            "tämä",
            "meidän",
            "mitään",
            "sitä",
            "vaikka",
            "olisi",
            "emme",
            "ovat",
            "noin",
            "klo",
            "miten",
            "mistä",
            "voin",
            "voiko",
            "voisitteko",
            "voitteko",
            "sen",
            "joka",
            "jos",
            "hei",
            "kiitos",
            "tätä",
            "vain",
            "yleensä",
            "ensi",
            "pieni",
            "onko",
            "tällä",
        ]
    ),
)

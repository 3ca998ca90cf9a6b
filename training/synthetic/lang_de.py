"""German phrase bank."""

from __future__ import annotations

from training.synthetic.bank import LanguageBank

BANK = LanguageBank(
    code="de",
    outage_phrase="Produktivsystem ausgefallen",
    subjects={
        "outage": (
            "Produktivsystem ausgefallen",
            "DRINGEND: {product} für niemanden erreichbar",
            "Totalausfall - {code} auf allen Seiten",
            "Störung: {product} seit {clock} Uhr nicht erreichbar",
        ),
        "security_breach": (
            "Möglicher Sicherheitsvorfall in unserem Konto",
            "Datenleck: Kundendaten öffentlich einsehbar",
            "Unbekannte Anmeldungen aus dem Ausland - Konto kompromittiert?",
        ),
        "data_loss": (
            "Alle Daten nach dem Update verschwunden",
            "Datensätze in {product} gelöscht",
            "Datenverlust: Einträge der letzten Woche fehlen",
        ),
        "payment_failure": (
            "Zahlung fehlgeschlagen",
            "Kunden können an der Kasse nicht bezahlen",
            "Karte mit {code} abgelehnt",
        ),
        "login_problem": (
            "Anmeldung nicht möglich",
            "Aus meinem Konto ausgesperrt",
            "Login funktioniert nicht - {code}",
        ),
        "bug": (
            "Export-Schaltfläche reagiert nicht",
            "Fehler in {product}: {code} beim Speichern",
            "Einige Benutzer sehen eine leere Seite",
        ),
        "slow_performance": (
            "{product} ist sehr langsam",
            "Berichte seit dem Update langsam",
            "Seiten laden ewig",
        ),
        "how_to": (
            "Wie füge ich einen neuen Benutzer hinzu?",
            "Frage zum Datenexport",
            "Wie ändere ich die Rechnungsadresse?",
        ),
        "feature_request": (
            "Bitte um {feature}",
            "Vorschlag für {product}",
            "Könnten Sie {feature} anbieten?",
        ),
        "typo": (
            "Tippfehler auf Ihrer Webseite",
            "Kleiner Tippfehler in {product}",
            "Rechtschreibfehler unter {url}",
        ),
        "refund_request": (
            "Doppelt abgebucht - bitte erstatten",
            "Bitte um Rückerstattung",
            "Erstattung für Rechnung {invoice}",
        ),
        "billing_question": (
            "Frage zu unserer Rechnung",
            "USt-IdNr. auf den Rechnungen",
            "Rechnung {invoice}",
        ),
        "sales_inquiry": (
            "Preise für {count} Lizenzen",
            "Anfrage für eine Demo",
            "Interesse am Enterprise-Tarif",
        ),
    },
    bodies={
        "outage": (
            "Unser Produktivsystem ist komplett ausgefallen. Jede Anfrage an {product} liefert "
            "{code}, und niemand im Team kann arbeiten.",
            "{product} ist seit {clock} Uhr nicht erreichbar. Auf jeder Seite erscheint {code}, "
            "und unsere Kunden können keine Bestellungen aufgeben.",
            "Bei uns geht gar nichts mehr. {url} läuft ins Timeout, obwohl Ihre Statusseite alles "
            "als in Ordnung anzeigt.",
        ),
        "security_breach": (
            "Wir haben Anmeldungen in unserem {product}-Konto von IP-Adressen entdeckt, die wir "
            "nicht kennen, und es wurde ein API-Schlüssel erstellt, den niemand von uns angelegt "
            "hat. Wir gehen von einem Sicherheitsvorfall aus.",
            "Ein Kunde hat uns einen Link geschickt, unter dem die Rechnungen anderer Kunden "
            "öffentlich sichtbar sind: {url}. Das sieht nach einem Datenleck aus.",
            "Jemand hat heute Nacht das Administratorpasswort geändert und alle Kontakte "
            "exportiert. Bitte sperren Sie das Konto und teilen Sie uns mit, worauf zugegriffen "
            "wurde.",
        ),
        "data_loss": (
            "Seit dem Update heute Nacht sind alle Projekte in {product} leer. Die Arbeit von "
            "Wochen ist weg.",
            "Etwa {count} Datensätze sind aus {product} verschwunden, ohne dass jemand etwas "
            "gelöscht hat. Im Importprotokoll steht {code}.",
            "Alles, was wir seit gestern {clock} Uhr eingegeben haben, fehlt. Haben Sie eine "
            "Sicherung, die Sie wiederherstellen können?",
        ),
        "payment_failure": (
            "Unsere monatliche Zahlung wurde mit dem Fehler {code} abgelehnt, obwohl die Karte "
            "gültig ist. Bitte helfen Sie uns, bevor das Konto gesperrt wird.",
            "Seit {clock} Uhr kann keiner unserer Kunden den Bezahlvorgang abschließen. Der "
            "Zahlungsschritt bricht mit {code} ab.",
            "Ich habe dreimal versucht, die Rechnung {invoice} zu bezahlen, und es schlägt jedes "
            "Mal fehl.",
        ),
        "login_problem": (
            "Ich kann mich nicht bei {product} anmelden. Nach der Eingabe des Passworts erscheint "
            "{code} und ich lande wieder auf der Anmeldeseite.",
            "Der Code für die Zwei-Faktor-Authentifizierung kommt nie an, daher bin ich aus "
            "meinem Konto ausgesperrt.",
            "Der Link zum Zurücksetzen des Passworts von {url} ist angeblich abgelaufen, auch wenn "
            "ich ihn sofort öffne.",
        ),
        "bug": (
            "Wenn ich in {product} auf Exportieren klicke, passiert nichts. Bei meiner Kollegin "
            "funktioniert es, bei mir in {browser} nicht.",
            "Das Speichern eines Formulars schlägt manchmal mit {code} fehl. Es betrifft einige "
            "Benutzer, nicht alle.",
            "Ein paar unserer Benutzer sehen unter {url} nur eine leere Seite. Neu laden hilft "
            "meistens.",
        ),
        "slow_performance": (
            "Heute dauert jede Seite in {product} {minutes} Sekunden oder länger. Man kann damit "
            "arbeiten, aber nur mit Mühe.",
            "Berichte, die früher in Sekunden fertig waren, laufen jetzt {minutes} Minuten.",
            "Das Dashboard ist seit Montag in {browser} extrem langsam.",
        ),
        "how_to": (
            "Wie gebe ich einem neuen Kollegen Zugriff auf {product}? In den Einstellungen habe "
            "ich nichts gefunden.",
            "Kann man alle Kontakte nach Excel exportieren? Wenn ja, wo finde ich das?",
            "Wo kann ich die Adresse auf unseren Rechnungen ändern?",
        ),
        "feature_request": (
            "Es wäre toll, wenn {product} {feature} unterstützen würde. Viele von uns würden das "
            "täglich nutzen.",
            "Ist geplant, {feature} einzuführen? Im Moment behelfen wir uns mit einer Notlösung.",
            "Kleiner Vorschlag: Bitte denken Sie in einer künftigen Version an {feature}.",
        ),
        "typo": (
            "Nur als Hinweis: Unter {url} steht „{wrong}“ statt „{right}“.",
            "In {product} ist ein kleiner Rechtschreibfehler: „{wrong}“ sollte „{right}“ heißen.",
            "Mir ist auf der Preisseite ein Tippfehler aufgefallen: „{wrong}“.",
        ),
        "refund_request": (
            "Uns wurden diesen Monat zweimal {amount} abgebucht. Könnten Sie die doppelte Zahlung "
            "erstatten?",
            "Wir haben letzten Monat gekündigt, trotzdem wurden {amount} abgebucht. Bitte "
            "erstatten Sie den Betrag.",
            "Ich möchte eine Rückerstattung für Rechnung {invoice}, wir haben das Upgrade nie "
            "genutzt.",
        ),
        "billing_question": (
            "Können Sie mir den Betrag von {amount} auf Rechnung {invoice} erklären? Er ist höher "
            "als im letzten Monat.",
            "Könnten Sie unsere USt-IdNr. auf künftigen Rechnungen angeben?",
            "Wann wird die nächste Rechnung verschickt, und können wir per Überweisung bezahlen?",
        ),
        "sales_inquiry": (
            "Wir überlegen, {product} für etwa {count} Mitarbeitende einzuführen. Könnten Sie uns "
            "ein Angebot schicken?",
            "Können wir nächste Woche eine Demo von {product} vereinbaren?",
            "Was würde der Enterprise-Tarif für unser Team kosten, und ist SSO enthalten?",
        ),
    },
    greetings=("Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,", "Hallo zusammen,"),
    signoffs=(
        "Danke und viele Grüße\n{name}",
        "Mit freundlichen Grüßen\n{name}",
        "Beste Grüße\n{name}",
        "VG {name}",
    ),
    urgent_cues=(
        "Jede Minute kostet uns Geld.",
        "Bitte rufen Sie mich so schnell wie möglich an.",
        "Das blockiert unser gesamtes Team.",
        "Wir haben heute eine feste Deadline.",
    ),
    calm_cues=("Keine Eile.", "Wenn Sie Zeit haben.", "Überhaupt nicht dringend."),
    affected_cues=(
        "Etwa {n} Benutzer sind betroffen.",
        "{n} Personen in unserer Firma können nicht arbeiten.",
        "Das betrifft {n} unserer Benutzer.",
    ),
    names=("Anna Schmidt", "Jonas", "Lukas Becker", "Sabine", "Katrin Müller", "Stefan", "Julia"),
    features=(
        "einen Dunkelmodus",
        "den PDF-Export",
        "eine Kalendersynchronisation",
        "mehrsprachige Vorlagen",
        "die Massenbearbeitung",
    ),
    typos=(
        ("Rechung", "Rechnung"),
        ("Einstelungen", "Einstellungen"),
        ("Passwrot", "Passwort"),
        ("Benuzter", "Benutzer"),
    ),
    currency="{v} €",
    decimal_comma=True,
    clock_sep=":",
    function_words=frozenset(
        [
            "der",
            "die",
            "das",
            "und",
            "ist",
            "nicht",
            "wir",
            "ich",
            "ein",
            "eine",
            "mit",
            "auf",
            "in",
            "unser",
            "unsere",
            "uns",
            "es",
            "sie",
            "als",
            "statt",
            "unter",
            "aus",
            "sind",
            "hat",
            "haben",
            "etwas",
        ]
    ),
)

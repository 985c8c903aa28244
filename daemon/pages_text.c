/* pages_text.c - the public pages' words in en, sv, it, pl, es, fi. */
#include "pages_text.h"

#include <event2/keyvalq_struct.h>
#include <string.h>
#include <strings.h>

#include "http.h"

static const struct page_text en = {
        .lang = "en",
        .lang_name = "English",
        .title = "Registration",
        .name = "Your name",
        .email = "Email address",
        .org = "Organisation",
        .role = "Role",
        .role_official = "Official",
        .role_elected = "Elected representative",
        .role_other = "Other",
        .language = "Language",
        .submit = "Register",
        .check_mail = "Thank you! Please check your email: unless this address "
                      "is already registered, you will find a link there to "
                      "confirm your registration.",
        .when = "When",
        .where = "Where",
        .your_reg = "Your registration",
        .st_pending = "Your registration is not confirmed yet. Press the "
                      "button to confirm it.",
        .st_confirmed = "You are registered and have a seat.",
        .st_cancelled = "This registration is cancelled.",
        .btn_confirm = "Confirm my registration",
        .btn_cancel = "Cancel my registration",
        .saved = "Thank you, your answer has been saved.",
        .cal_answer = "Answer from your calendar",
        .cal_accepted = "accepted",
        .cal_declined = "declined",
        .cal_tentative = "maybe",
        .calendar = "Your calendar",
        .feed_https = "Calendar feed (https)",
        .feed_webcal = "Subscribe in your calendar app (webcal)",
        .bad_link = "This link is not valid. Please check that you copied "
                    "the whole link from the email.",
        .opens = "Registration opens on",
        .closed = "Registration closed on",
        .ev_cancelled = "This event has been cancelled.",
        .error = "Something went wrong",
        .details = "Correct your details",
        .btn_save = "Save my details",
        .not_found = "Not found",
        .privacy = "Privacy notice",
        .privacy_use = "How we use your details: see our privacy notice.",
};

static const struct page_text sv = {
        .lang = "sv",
        .lang_name = "Svenska",
        .title = "Anmälan",
        .name = "Ditt namn",
        .email = "E-postadress",
        .org = "Organisation",
        .role = "Roll",
        .role_official = "Tjänsteperson",
        .role_elected = "Förtroendevald",
        .role_other = "Annat",
        .language = "Språk",
        .submit = "Anmäl mig",
        .check_mail =
                "Tack! Titta i din e-post: om adressen inte redan är anmäld "
                "hittar du där en länk för att bekräfta din anmälan.",
        .when = "När",
        .where = "Var",
        .your_reg = "Din anmälan",
        .st_pending = "Din anmälan är inte bekräftad ännu. Tryck på knappen "
                      "för att bekräfta den.",
        .st_confirmed = "Du är anmäld och har en plats.",
        .st_cancelled = "Den här anmälan är avbokad.",
        .btn_confirm = "Bekräfta min anmälan",
        .btn_cancel = "Avboka min anmälan",
        .saved = "Tack, ditt svar är sparat.",
        .cal_answer = "Svar från din kalender",
        .cal_accepted = "tackat ja",
        .cal_declined = "tackat nej",
        .cal_tentative = "kanske",
        .calendar = "Din kalender",
        .feed_https = "Kalenderflöde (https)",
        .feed_webcal = "Prenumerera i din kalenderapp (webcal)",
        .bad_link = "Länken är inte giltig. Kontrollera att du kopierade "
                    "hela länken från mejlet.",
        .opens = "Anmälan öppnar",
        .closed = "Anmälan stängde",
        .ev_cancelled = "Evenemanget är inställt.",
        .error = "Något gick fel",
        .details = "Rätta dina uppgifter",
        .btn_save = "Spara mina uppgifter",
        .not_found = "Hittades inte",
        .privacy = "Integritetsmeddelande",
        .privacy_use =
                "Så använder vi dina uppgifter: se vårt integritetsmeddelande.",
};

static const struct page_text it = {
        .lang = "it",
        .lang_name = "Italiano",
        .title = "Iscrizione",
        .name = "Nome e cognome",
        .email = "Indirizzo email",
        .org = "Organizzazione",
        .role = "Ruolo",
        .role_official = "Funzionario",
        .role_elected = "Amministratore eletto",
        .role_other = "Altro",
        .language = "Lingua",
        .submit = "Iscriviti",
        .check_mail =
                "Grazie! Controlla la tua posta: se questo indirizzo non è già "
                "iscritto, vi troverai un link per confermare l'iscrizione.",
        .when = "Quando",
        .where = "Dove",
        .your_reg = "La tua iscrizione",
        .st_pending = "La tua iscrizione non è ancora confermata. Premi il "
                      "pulsante per confermarla.",
        .st_confirmed = "Sei iscritto e hai un posto.",
        .st_cancelled = "Questa iscrizione è annullata.",
        .btn_confirm = "Conferma la mia iscrizione",
        .btn_cancel = "Annulla la mia iscrizione",
        .saved = "Grazie, la tua risposta è stata registrata.",
        .cal_answer = "Risposta dal tuo calendario",
        .cal_accepted = "accettato",
        .cal_declined = "rifiutato",
        .cal_tentative = "forse",
        .calendar = "Il tuo calendario",
        .feed_https = "Feed del calendario (https)",
        .feed_webcal = "Abbonati nella tua app di calendario (webcal)",
        .bad_link = "Questo link non è valido. Controlla di aver copiato "
                    "l'intero link dall'email.",
        .opens = "Le iscrizioni aprono il",
        .closed = "Le iscrizioni si sono chiuse il",
        .ev_cancelled = "Questo evento è stato annullato.",
        .error = "Si è verificato un errore",
        .details = "Correggi i tuoi dati",
        .btn_save = "Salva i miei dati",
        .not_found = "Non trovato",
        .privacy = "Informativa sulla privacy",
        .privacy_use = "Come usiamo i tuoi dati: leggi la nostra informativa "
                       "sulla privacy.",
};

static const struct page_text pl = {
        .lang = "pl",
        .lang_name = "Polski",
        .title = "Rejestracja",
        .name = "Imię i nazwisko",
        .email = "Adres e-mail",
        .org = "Organizacja",
        .role = "Funkcja",
        .role_official = "Urzędnik",
        .role_elected = "Przedstawiciel z wyboru",
        .role_other = "Inna",
        .language = "Język",
        .submit = "Zarejestruj się",
        .check_mail = "Dziękujemy! Sprawdź pocztę: jeśli ten adres nie jest "
                      "jeszcze zarejestrowany, znajdziesz tam link do "
                      "potwierdzenia rejestracji.",
        .when = "Kiedy",
        .where = "Gdzie",
        .your_reg = "Twoja rejestracja",
        .st_pending = "Twoja rejestracja nie jest jeszcze potwierdzona. "
                      "Naciśnij przycisk, aby ją potwierdzić.",
        .st_confirmed = "Rejestracja potwierdzona: masz miejsce.",
        .st_cancelled = "Ta rejestracja została anulowana.",
        .btn_confirm = "Potwierdzam rejestrację",
        .btn_cancel = "Anuluj rejestrację",
        .saved = "Dziękujemy, Twoja odpowiedź została zapisana.",
        .cal_answer = "Odpowiedź z Twojego kalendarza",
        .cal_accepted = "przyjęto",
        .cal_declined = "odrzucono",
        .cal_tentative = "może",
        .calendar = "Twój kalendarz",
        .feed_https = "Kanał kalendarza (https)",
        .feed_webcal = "Subskrybuj w aplikacji kalendarza (webcal)",
        .bad_link = "Ten link jest nieprawidłowy. Sprawdź, czy skopiowano "
                    "cały link z wiadomości.",
        .opens = "Rejestracja rozpocznie się",
        .closed = "Rejestracja zakończyła się",
        .ev_cancelled = "To wydarzenie zostało odwołane.",
        .error = "Coś poszło nie tak",
        .details = "Popraw swoje dane",
        .btn_save = "Zapisz moje dane",
        .not_found = "Nie znaleziono",
        .privacy = "Informacja o ochronie danych",
        .privacy_use = "Jak wykorzystujemy Twoje dane: zobacz informację o "
                       "ochronie danych.",
};

static const struct page_text es = {
        .lang = "es",
        .lang_name = "Español",
        .title = "Inscripción",
        .name = "Nombre y apellidos",
        .email = "Correo electrónico",
        .org = "Organización",
        .role = "Cargo",
        .role_official = "Personal técnico",
        .role_elected = "Cargo electo",
        .role_other = "Otro",
        .language = "Idioma",
        .submit = "Inscribirme",
        .check_mail = "¡Gracias! Revisa tu correo: si esta dirección no está "
                      "ya inscrita, encontrarás allí un enlace para confirmar "
                      "tu inscripción.",
        .when = "Cuándo",
        .where = "Dónde",
        .your_reg = "Tu inscripción",
        .st_pending = "Tu inscripción aún no está confirmada. Pulsa el botón "
                      "para confirmarla.",
        .st_confirmed = "Inscripción confirmada: tienes plaza.",
        .st_cancelled = "Esta inscripción está cancelada.",
        .btn_confirm = "Confirmar mi inscripción",
        .btn_cancel = "Cancelar mi inscripción",
        .saved = "Gracias, tu respuesta se ha guardado.",
        .cal_answer = "Respuesta de tu calendario",
        .cal_accepted = "aceptada",
        .cal_declined = "rechazada",
        .cal_tentative = "quizás",
        .calendar = "Tu calendario",
        .feed_https = "Calendario (https)",
        .feed_webcal = "Suscríbete en tu aplicación de calendario (webcal)",
        .bad_link = "Este enlace no es válido. Comprueba que has copiado el "
                    "enlace completo del correo.",
        .opens = "La inscripción se abre el",
        .closed = "La inscripción se cerró el",
        .ev_cancelled = "Este evento se ha cancelado.",
        .error = "Algo ha fallado",
        .details = "Corrige tus datos",
        .btn_save = "Guardar mis datos",
        .not_found = "No encontrado",
        .privacy = "Aviso de privacidad",
        .privacy_use =
                "Cómo usamos tus datos: consulta nuestro aviso de privacidad.",
};

static const struct page_text fi = {
        .lang = "fi",
        .lang_name = "Suomi",
        .title = "Ilmoittautuminen",
        .name = "Nimesi",
        .email = "Sähköpostiosoite",
        .org = "Organisaatio",
        .role = "Rooli",
        .role_official = "Viranhaltija",
        .role_elected = "Luottamushenkilö",
        .role_other = "Muu",
        .language = "Kieli",
        .submit = "Ilmoittaudu",
        .check_mail = "Kiitos! Tarkista sähköpostisi: jos tätä osoitetta ei "
                      "ole jo ilmoitettu, löydät sieltä linkin "
                      "ilmoittautumisen vahvistamiseen.",
        .when = "Milloin",
        .where = "Missä",
        .your_reg = "Ilmoittautumisesi",
        .st_pending = "Ilmoittautumistasi ei ole vielä vahvistettu. Vahvista "
                      "se painamalla painiketta.",
        .st_confirmed = "Olet ilmoittautunut ja sinulla on paikka.",
        .st_cancelled = "Tämä ilmoittautuminen on peruttu.",
        .btn_confirm = "Vahvista ilmoittautumiseni",
        .btn_cancel = "Peru ilmoittautumiseni",
        .saved = "Kiitos, vastauksesi on tallennettu.",
        .cal_answer = "Vastaus kalenteristasi",
        .cal_accepted = "hyväksytty",
        .cal_declined = "hylätty",
        .cal_tentative = "ehkä",
        .calendar = "Kalenterisi",
        .feed_https = "Kalenterisyöte (https)",
        .feed_webcal = "Tilaa kalenterisovellukseesi (webcal)",
        .bad_link = "Linkki ei ole kelvollinen. Tarkista, että kopioit koko "
                    "linkin sähköpostista.",
        .opens = "Ilmoittautuminen alkaa",
        .closed = "Ilmoittautuminen päättyi",
        .ev_cancelled = "Tämä tapahtuma on peruttu.",
        .error = "Jokin meni vikaan",
        .details = "Korjaa tietosi",
        .btn_save = "Tallenna tietoni",
        .not_found = "Ei löytynyt",
        .privacy = "Tietosuojaseloste",
        .privacy_use = "Miten käytämme tietojasi: katso tietosuojaseloste.",
};

const struct page_text *const page_texts[] = {&en, &sv, &it, &pl,
                                              &es, &fi, NULL};

const struct page_text *page_text_get(const char *lang)
{
	for (int i = 0; lang && page_texts[i]; i++)
		if (strcmp(page_texts[i]->lang, lang) == 0)
			return page_texts[i];
	return NULL;
}

/* The q-value of one Accept-Language entry's parameters (";q=0.8"):
 * 1000 for none, 0..1000 in thousandths; -1 when malformed. */
static int qvalue(const char *p, const char *end)
{
	int q = 1000;

	while (p < end) {
		p += strspn(p, " ;");
		if (p < end && (p[0] == 'q' || p[0] == 'Q') && p + 1 < end &&
		    p[1] == '=') {
			int v = 0, scale = 1000;

			p += 2;
			if (p >= end || (*p != '0' && *p != '1'))
				return -1;
			v = (*p++ - '0') * 1000;
			if (p < end && *p == '.')
				for (p++; p < end && *p >= '0' && *p <= '9';
				     p++)
					if (scale > 1) {
						scale /= 10;
						v += (*p - '0') * scale;
					}
			q = v > 1000 ? 1000 : v;
		}
		p = memchr(p, ';', (size_t)(end - p));
		if (p == NULL)
			break;
	}
	return q;
}

const struct page_text *page_text_for(struct http_req *r)
{
	return page_text_for_default(r, NULL);
}

const struct page_text *page_text_for_default(struct http_req *r,
                                              const char *fallback)
{
	const struct page_text *t =
	        page_text_get(evhttp_find_header(&r->query, "lang"));
	const struct page_text *best = NULL;
	const char *acc = http_header(r, "Accept-Language");
	int best_q = 0;

	if (t)
		return t;
	/* "de-DE, it;q=0.8, en;q=0.5": the supported language with the
	 * highest q-value (the first of equals); q=0 means "not this". */
	while (acc && *acc) {
		const char *end = strchr(acc, ',');
		const char *semi;
		char code[3];
		int q;

		acc += strspn(acc, " ");
		if (end == NULL)
			end = acc + strlen(acc);
		semi = memchr(acc, ';', (size_t)(end - acc));
		q = qvalue(semi ? semi : end, end);
		if (end - acc >= 2 && q > best_q) {
			code[0] = (char)(acc[0] | 0x20);
			code[1] = (char)(acc[1] | 0x20);
			code[2] = '\0';
			if ((acc + 2 == end || strchr("-;, ", acc[2])) &&
			    (t = page_text_get(code)) != NULL) {
				best = t;
				best_q = q;
			}
		}
		acc = *end ? end + 1 : end;
	}
	if (best == NULL)
		best = page_text_get(fallback);
	return best ? best : &en;
}

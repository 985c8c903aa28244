/* pages_words.c - the public pages' further words in en, sv, it, pl, es,
 * fi (pages_words.h): public pages, honest states, and every error code
 * and refused field in words. */
#include "pages_words.h"

#include <string.h>

static const struct page_words w_en = {
        .lang = "en",
        .projects = "Projects",
        .no_projects = "Nothing has been published yet.",
        .upcoming_n = "Upcoming events:",
        .upcoming = "Upcoming",
        .past = "Past",
        .nothing = "No events or deadlines yet.",
        .deadline = "Deadline",
        .event = "Event",
        .seats_left = "Seats left:",
        .waiting_list = "Waiting list",
        .full_waitlist = "Full – new registrations go on the waiting list",
        .cancelled = "Cancelled",
        .register_btn = "Register",
        .more = "Details",
        .about = "About the event",
        .programme = "Programme",
        .programme_later = "The programme will be published here.",
        .venue = "Venue",
        .map = "Show on a map (OpenStreetMap)",
        .organiser = "Organiser",
        .project = "Project",
        .subscribe = "Subscribe to the calendar",
        .sub_webcal = "Apple Calendar or Outlook (desktop)",
        .sub_google = "Google Calendar",
        .sub_outlook = "Outlook.com",
        .sub_copy = "Or copy this address into your calendar app:",
        .add_event = "Add to my calendar",
        .country = "Country",
        .country_choose = "Choose your country",
        .org_hint = "Start typing to see organisations already registered.",
        .full_warning = "The event is full: if you register now, you will be "
                        "on the waiting list.",
        .questions = "Questions? Contact the organiser:",
        .errors_heading = "Please correct the marked fields.",
        .e_required = "Please fill this in.",
        .e_email = "This is not an email address. Example: anna@town.se",
        .e_too_long = "This is too long. Please shorten it.",
        .e_chars =
                "Please remove line breaks, tabs and other control characters.",
        .e_country = "Please choose a country from the list.",
        .e_choice = "Please choose one of the options.",
        .wl_full = "The event is full: you are on the waiting list.",
        .wl_cap = "Your organisation's places are taken: you are on the "
                  "waiting list.",
        .wl_position = "Your position on the waiting list:",
        .next_waitlist = "What happens next: when a seat frees up, it goes to "
                         "the next person in line automatically, and we email "
                         "you at once. You do not need to do anything.",
        .next_pending = "What happens next: press the button to confirm your "
                        "registration. Until then, no seat is kept for you.",
        .next_confirmed = "What happens next: you will get reminders before "
                          "the event. If you cannot come, please cancel, so "
                          "that someone else can take your seat.",
        .over = "This event is over.",
        .reg_cancelled = "This registration was cancelled. To take part, "
                         "please register again.",
        .cancel_q = "Do you really want to cancel your registration?",
        .cancel_seat =
                "Your seat will go to the next person on the waiting list.",
        .cancel_yes = "Yes, cancel my registration",
        .cancel_no = "No, keep my registration",
        .pk_talk = "Talk",
        .pk_session = "Session",
        .pk_break = "Break",
        .pk_meal = "Meal",
        .pk_visit = "Visit",
        .room = "Room",
        .required = "(required)",
        .full = "full",
        .yes = "Yes",
        .no = "No",
        .choose_one = "Choose one",
        .e_consent = "Please tick this box: registration needs your consent.",
        .e_number = "Please enter a number, for example 12.",
        .e_date = "Please enter a date.",
        .e_group_full = "This group is full. Please choose another one.",
        .your_answers = "Your answers",
        .no_answer = "No answer",
        .save_answers = "Save my answers",
        .answers_closed = "Registration has closed: your answers can no longer "
                          "be changed.",
        .places_left = "Places left:",
        .codes =
                {
                        {"bad_json", "The request could not be read. Please "
                                     "reload the page and try again."},
                        {"bad_path",
                         "This address is not valid. Please check the link."},
                        {"bad_query",
                         "This address is not valid. Please check the link."},
                        {"bad_request",
                         "The form contradicts itself. Please check your "
                         "answers and send it again."},
                        {"missing_field",
                         "Please fill in all required fields."},
                        {"unknown_field",
                         "The form contains a field we do not know. Please "
                         "reload the page and try again."},
                        {"wrong_type", "A value has the wrong form. Please "
                                       "check your answers."},
                        {"unauthorized",
                         "This page is for the secretariat only."},
                        {"login_failed",
                         "The name or the password is not right."},
                        {"csrf", "The page was open too long or in another "
                                 "window. Please reload it and try again."},
                        {"forbidden", "This page is for the secretariat only."},
                        {"not_found", "We could not find this page. Please "
                                      "check that you copied the whole link."},
                        {"method_not_allowed",
                         "This action is not possible here. Please go back and "
                         "use the buttons on the page."},
                        {"conflict",
                         "This is no longer possible: the registration or the "
                         "event has changed. Please reload the page."},
                        {"too_long", "A value is too long. Please shorten it."},
                        {"invalid_value", "A value is not accepted. Please "
                                          "check the marked fields."},
                        {"too_many_requests",
                         "Too many attempts from your address. Please wait a "
                         "moment and try again."},
                        {"internal",
                         "Something went wrong on our side. Please try again "
                         "later; if it happens again, contact the organiser."},
                        {"database_unavailable",
                         "The service is briefly unavailable. Please try again "
                         "in a minute."},
                        {"try_again", "Many people are registering at this "
                                      "moment. Please send the form again."},
                        {"shutting_down", "The service is restarting. Please "
                                          "try again in a minute."},
                        {"unavailable", "The calendar cannot be made right "
                                        "now. Please try again in a minute."},
                        {"too_many_connections",
                         "The service is very busy. Please try again in a "
                         "minute."},
                        {"answer_required",
                         "Please answer the required questions."},
                        {"choice_not_offered",
                         "One of your answers is not among the options. Please "
                         "choose again."},
                        {"consent_required",
                         "Please give the required consent to register."},
                        {"group_full", "The group you chose is full. Please "
                                       "choose another one."},
                        {NULL, NULL},
                },
};

static const struct page_words w_sv = {
        .lang = "sv",
        .projects = "Projekt",
        .no_projects = "Inget har publicerats ännu.",
        .upcoming_n = "Kommande evenemang:",
        .upcoming = "Kommande",
        .past = "Tidigare",
        .nothing = "Inga evenemang eller tidsfrister ännu.",
        .deadline = "Tidsfrist",
        .event = "Evenemang",
        .seats_left = "Lediga platser:",
        .waiting_list = "Väntelista",
        .full_waitlist = "Fullt – nya anmälningar hamnar på väntelistan",
        .cancelled = "Inställt",
        .register_btn = "Anmäl dig",
        .more = "Mer information",
        .about = "Om evenemanget",
        .programme = "Program",
        .programme_later = "Programmet publiceras här.",
        .venue = "Plats",
        .map = "Visa på karta (OpenStreetMap)",
        .organiser = "Arrangör",
        .project = "Projekt",
        .subscribe = "Prenumerera på kalendern",
        .sub_webcal = "Apple Kalender eller Outlook (dator)",
        .sub_google = "Google Kalender",
        .sub_outlook = "Outlook.com",
        .sub_copy = "Eller kopiera den här adressen till din kalenderapp:",
        .add_event = "Lägg till i min kalender",
        .country = "Land",
        .country_choose = "Välj ditt land",
        .org_hint =
                "Börja skriva för att se organisationer som redan är anmälda.",
        .full_warning = "Evenemanget är fullt: om du anmäler dig nu hamnar du "
                        "på väntelistan.",
        .questions = "Frågor? Kontakta arrangören:",
        .errors_heading = "Rätta de markerade fälten.",
        .e_required = "Fyll i det här fältet.",
        .e_email = "Det här är inte en e-postadress. Exempel: anna@kommun.se",
        .e_too_long = "Det här är för långt. Korta texten.",
        .e_chars = "Ta bort radbrytningar, tabbar och andra styrtecken.",
        .e_country = "Välj ett land i listan.",
        .e_choice = "Välj ett av alternativen.",
        .wl_full = "Evenemanget är fullt: du står på väntelistan.",
        .wl_cap = "Din organisations platser är redan tagna: du står på "
                  "väntelistan.",
        .wl_position = "Din plats på väntelistan:",
        .next_waitlist = "Så här går det vidare: när en plats blir ledig går "
                         "den automatiskt till nästa person i kön, och vi "
                         "mejlar dig direkt. Du behöver inte göra något.",
        .next_pending =
                "Så här går det vidare: tryck på knappen för att bekräfta din "
                "anmälan. Till dess reserveras ingen plats för dig.",
        .next_confirmed = "Så här går det vidare: du får påminnelser före "
                          "evenemanget. Om du inte kan komma, avboka gärna så "
                          "att någon annan kan få din plats.",
        .over = "Evenemanget är över.",
        .reg_cancelled =
                "Den här anmälan är avbokad. Anmäl dig igen för att delta.",
        .cancel_q = "Vill du verkligen avboka din anmälan?",
        .cancel_seat = "Din plats går till nästa person på väntelistan.",
        .cancel_yes = "Ja, avboka min anmälan",
        .cancel_no = "Nej, behåll min anmälan",
        .pk_talk = "Föredrag",
        .pk_session = "Pass",
        .pk_break = "Paus",
        .pk_meal = "Måltid",
        .pk_visit = "Studiebesök",
        .room = "Lokal",
        .required = "(obligatorisk)",
        .full = "fullsatt",
        .yes = "Ja",
        .no = "Nej",
        .choose_one = "Välj ett alternativ",
        .e_consent = "Kryssa i rutan: anmälan kräver ditt samtycke.",
        .e_number = "Skriv ett tal, till exempel 12.",
        .e_date = "Ange ett datum.",
        .e_group_full = "Gruppen är fullsatt. Välj en annan grupp.",
        .your_answers = "Dina svar",
        .no_answer = "Inget svar",
        .save_answers = "Spara mina svar",
        .answers_closed =
                "Anmälan har stängt: dina svar kan inte längre ändras.",
        .places_left = "Platser kvar:",
        .codes =
                {
                        {"bad_json", "Förfrågan kunde inte läsas. Ladda om "
                                     "sidan och försök igen."},
                        {"bad_path",
                         "Adressen är inte giltig. Kontrollera länken."},
                        {"bad_query",
                         "Adressen är inte giltig. Kontrollera länken."},
                        {"bad_request",
                         "Uppgifterna i formuläret motsäger varandra. "
                         "Kontrollera dina svar och skicka igen."},
                        {"missing_field", "Fyll i alla obligatoriska fält."},
                        {"unknown_field",
                         "Formuläret innehåller ett fält som vi inte känner "
                         "igen. Ladda om sidan och försök igen."},
                        {"wrong_type",
                         "Ett värde har fel format. Kontrollera dina svar."},
                        {"unauthorized",
                         "Den här sidan är bara för sekretariatet."},
                        {"login_failed",
                         "Namnet eller lösenordet stämmer inte."},
                        {"csrf",
                         "Sidan har varit öppen för länge eller i ett annat "
                         "fönster. Ladda om den och försök igen."},
                        {"forbidden",
                         "Den här sidan är bara för sekretariatet."},
                        {"not_found", "Vi hittade inte sidan. Kontrollera att "
                                      "du kopierade hela länken."},
                        {"method_not_allowed",
                         "Det går inte att göra så här. Gå tillbaka och använd "
                         "knapparna på sidan."},
                        {"conflict",
                         "Det här går inte längre: anmälan eller evenemanget "
                         "har ändrats. Ladda om sidan."},
                        {"too_long", "Ett värde är för långt. Korta det."},
                        {"invalid_value", "Ett värde godtas inte. Kontrollera "
                                          "de markerade fälten."},
                        {"too_many_requests",
                         "För många försök från din adress. Vänta en stund och "
                         "försök igen."},
                        {"internal",
                         "Något gick fel hos oss. Försök igen senare; om det "
                         "händer igen, kontakta arrangören."},
                        {"database_unavailable",
                         "Tjänsten är tillfälligt otillgänglig. Försök igen om "
                         "en minut."},
                        {"try_again",
                         "Många anmäler sig just nu. Skicka formuläret igen."},
                        {"shutting_down",
                         "Tjänsten startar om. Försök igen om en minut."},
                        {"unavailable", "Kalendern kan inte skapas just nu. "
                                        "Försök igen om en minut."},
                        {"too_many_connections", "Tjänsten är mycket belastad. "
                                                 "Försök igen om en minut."},
                        {"answer_required",
                         "Svara på de obligatoriska frågorna."},
                        {"choice_not_offered",
                         "Ett av dina svar finns inte bland alternativen. Välj "
                         "igen."},
                        {"consent_required",
                         "Ge det samtycke som krävs för att anmäla dig."},
                        {"group_full",
                         "Gruppen du valde är full. Välj en annan."},
                        {NULL, NULL},
                },
};

static const struct page_words w_it = {
        .lang = "it",
        .projects = "Progetti",
        .no_projects = "Non è stato ancora pubblicato nulla.",
        .upcoming_n = "Prossimi eventi:",
        .upcoming = "Prossimi",
        .past = "Passati",
        .nothing = "Ancora nessun evento o scadenza.",
        .deadline = "Scadenza",
        .event = "Evento",
        .seats_left = "Posti disponibili:",
        .waiting_list = "Lista d'attesa",
        .full_waitlist =
                "Completo – le nuove iscrizioni vanno in lista d'attesa",
        .cancelled = "Annullato",
        .register_btn = "Iscriviti",
        .more = "Dettagli",
        .about = "L'evento",
        .programme = "Programma",
        .programme_later = "Il programma sarà pubblicato qui.",
        .venue = "Luogo",
        .map = "Mostra sulla mappa (OpenStreetMap)",
        .organiser = "Organizzatore",
        .project = "Progetto",
        .subscribe = "Abbonati al calendario",
        .sub_webcal = "Calendario Apple o Outlook (computer)",
        .sub_google = "Google Calendar",
        .sub_outlook = "Outlook.com",
        .sub_copy =
                "Oppure copia questo indirizzo nella tua app di calendario:",
        .add_event = "Aggiungi al mio calendario",
        .country = "Paese",
        .country_choose = "Scegli il tuo paese",
        .org_hint =
                "Inizia a scrivere per vedere le organizzazioni già iscritte.",
        .full_warning = "L'evento è al completo: se ti iscrivi ora, sarai in "
                        "lista d'attesa.",
        .questions = "Domande? Contatta l'organizzatore:",
        .errors_heading = "Correggi i campi segnalati.",
        .e_required = "Compila questo campo.",
        .e_email = "Questo non è un indirizzo email. Esempio: anna@comune.it",
        .e_too_long = "Il testo è troppo lungo. Accorcialo.",
        .e_chars =
                "Rimuovi a capo, tabulazioni e altri caratteri di controllo.",
        .e_country = "Scegli un paese dall'elenco.",
        .e_choice = "Scegli una delle opzioni.",
        .wl_full = "L'evento è al completo: sei in lista d'attesa.",
        .wl_cap = "I posti della tua organizzazione sono esauriti: sei in "
                  "lista d'attesa.",
        .wl_position = "La tua posizione in lista d'attesa:",
        .next_waitlist = "Cosa succede ora: quando si libera un posto, va "
                         "automaticamente alla persona successiva in lista e "
                         "ti scriviamo subito. Non devi fare nulla.",
        .next_pending =
                "Cosa succede ora: premi il pulsante per confermare "
                "l'iscrizione. Fino ad allora nessun posto è riservato per te.",
        .next_confirmed =
                "Cosa succede ora: riceverai dei promemoria prima dell'evento. "
                "Se non puoi partecipare, annulla l'iscrizione, così un'altra "
                "persona potrà prendere il tuo posto.",
        .over = "Questo evento è terminato.",
        .reg_cancelled = "Questa iscrizione è stata annullata. Per "
                         "partecipare, iscriviti di nuovo.",
        .cancel_q = "Vuoi davvero annullare la tua iscrizione?",
        .cancel_seat =
                "Il tuo posto andrà alla persona successiva in lista d'attesa.",
        .cancel_yes = "Sì, annulla la mia iscrizione",
        .cancel_no = "No, mantieni la mia iscrizione",
        .pk_talk = "Intervento",
        .pk_session = "Sessione",
        .pk_break = "Pausa",
        .pk_meal = "Pasto",
        .pk_visit = "Visita",
        .room = "Sala",
        .required = "(obbligatorio)",
        .full = "al completo",
        .yes = "Sì",
        .no = "No",
        .choose_one = "Scegli un'opzione",
        .e_consent =
                "Spunta questa casella: l'iscrizione richiede il tuo consenso.",
        .e_number = "Inserisci un numero, ad esempio 12.",
        .e_date = "Inserisci una data.",
        .e_group_full = "Questo gruppo è al completo. Scegline un altro.",
        .your_answers = "Le tue risposte",
        .no_answer = "Nessuna risposta",
        .save_answers = "Salva le mie risposte",
        .answers_closed = "Le iscrizioni sono chiuse: le tue risposte non "
                          "possono più essere modificate.",
        .places_left = "Posti rimasti:",
        .codes =
                {
                        {"bad_json",
                         "Non è stato possibile leggere la richiesta. Ricarica "
                         "la pagina e riprova."},
                        {"bad_path",
                         "Questo indirizzo non è valido. Controlla il link."},
                        {"bad_query",
                         "Questo indirizzo non è valido. Controlla il link."},
                        {"bad_request",
                         "I dati del modulo sono in contraddizione. Controlla "
                         "le risposte e invia di nuovo."},
                        {"missing_field", "Compila tutti i campi obbligatori."},
                        {"unknown_field",
                         "Il modulo contiene un campo che non conosciamo. "
                         "Ricarica la pagina e riprova."},
                        {"wrong_type", "Un valore ha un formato errato. "
                                       "Controlla le risposte."},
                        {"unauthorized",
                         "Questa pagina è riservata alla segreteria."},
                        {"login_failed",
                         "Il nome o la password non sono corretti."},
                        {"csrf", "La pagina è rimasta aperta troppo a lungo o "
                                 "in un'altra finestra. Ricaricala e riprova."},
                        {"forbidden",
                         "Questa pagina è riservata alla segreteria."},
                        {"not_found",
                         "Non abbiamo trovato questa pagina. Controlla di aver "
                         "copiato il link completo."},
                        {"method_not_allowed",
                         "Questa azione non è possibile qui. Torna indietro e "
                         "usa i pulsanti della pagina."},
                        {"conflict",
                         "Non è più possibile: l'iscrizione o l'evento sono "
                         "cambiati. Ricarica la pagina."},
                        {"too_long", "Un valore è troppo lungo. Accorcialo."},
                        {"invalid_value", "Un valore non è accettato. "
                                          "Controlla i campi segnalati."},
                        {"too_many_requests",
                         "Troppi tentativi dal tuo indirizzo. Attendi un "
                         "momento e riprova."},
                        {"internal", "Qualcosa è andato storto da parte "
                                     "nostra. Riprova più tardi; se succede di "
                                     "nuovo, contatta l'organizzatore."},
                        {"database_unavailable",
                         "Il servizio non è disponibile per un momento. "
                         "Riprova tra un minuto."},
                        {"try_again",
                         "Molte persone si stanno iscrivendo in questo "
                         "momento. Invia di nuovo il modulo."},
                        {"shutting_down", "Il servizio si sta riavviando. "
                                          "Riprova tra un minuto."},
                        {"unavailable", "Il calendario non può essere creato "
                                        "ora. Riprova tra un minuto."},
                        {"too_many_connections",
                         "Il servizio è molto occupato. Riprova tra un "
                         "minuto."},
                        {"answer_required",
                         "Rispondi alle domande obbligatorie."},
                        {"choice_not_offered", "Una delle risposte non è tra "
                                               "le opzioni. Scegli di nuovo."},
                        {"consent_required",
                         "Per iscriverti, dai il consenso richiesto."},
                        {"group_full", "Il gruppo che hai scelto è al "
                                       "completo. Scegline un altro."},
                        {NULL, NULL},
                },
};

static const struct page_words w_pl = {
        .lang = "pl",
        .projects = "Projekty",
        .no_projects = "Nic jeszcze nie opublikowano.",
        .upcoming_n = "Nadchodzące wydarzenia:",
        .upcoming = "Nadchodzące",
        .past = "Minione",
        .nothing = "Nie ma jeszcze wydarzeń ani terminów.",
        .deadline = "Termin",
        .event = "Wydarzenie",
        .seats_left = "Wolne miejsca:",
        .waiting_list = "Lista rezerwowa",
        .full_waitlist =
                "Brak miejsc – nowe zgłoszenia trafiają na listę rezerwową",
        .cancelled = "Odwołane",
        .register_btn = "Zarejestruj się",
        .more = "Szczegóły",
        .about = "O wydarzeniu",
        .programme = "Program",
        .programme_later = "Program zostanie opublikowany tutaj.",
        .venue = "Miejsce",
        .map = "Pokaż na mapie (OpenStreetMap)",
        .organiser = "Organizator",
        .project = "Projekt",
        .subscribe = "Subskrybuj kalendarz",
        .sub_webcal = "Kalendarz Apple lub Outlook (komputer)",
        .sub_google = "Kalendarz Google",
        .sub_outlook = "Outlook.com",
        .sub_copy = "Albo skopiuj ten adres do swojej aplikacji kalendarza:",
        .add_event = "Dodaj do mojego kalendarza",
        .country = "Kraj",
        .country_choose = "Wybierz swój kraj",
        .org_hint =
                "Zacznij pisać, aby zobaczyć już zarejestrowane organizacje.",
        .full_warning = "Brak wolnych miejsc: jeśli zarejestrujesz się teraz, "
                        "trafisz na listę rezerwową.",
        .questions = "Pytania? Skontaktuj się z organizatorem:",
        .errors_heading = "Popraw zaznaczone pola.",
        .e_required = "Wypełnij to pole.",
        .e_email = "To nie jest adres e-mail. Przykład: anna@gmina.pl",
        .e_too_long = "Ten tekst jest za długi. Skróć go.",
        .e_chars =
                "Usuń znaki nowego wiersza, tabulatory i inne znaki sterujące.",
        .e_country = "Wybierz kraj z listy.",
        .e_choice = "Wybierz jedną z opcji.",
        .wl_full = "Brak wolnych miejsc: jesteś na liście rezerwowej.",
        .wl_cap = "Miejsca dla Twojej organizacji są już zajęte: jesteś na "
                  "liście rezerwowej.",
        .wl_position = "Twoje miejsce na liście rezerwowej:",
        .next_waitlist = "Co dalej: gdy zwolni się miejsce, automatycznie "
                         "otrzyma je kolejna osoba z listy, a my od razu "
                         "napiszemy do Ciebie. Nie musisz nic robić.",
        .next_pending =
                "Co dalej: naciśnij przycisk, aby potwierdzić rejestrację. Do "
                "tego czasu nie rezerwujemy dla Ciebie miejsca.",
        .next_confirmed =
                "Co dalej: przed wydarzeniem otrzymasz przypomnienia. Jeśli "
                "nie możesz przyjść, anuluj rejestrację, aby ktoś inny mógł "
                "zająć Twoje miejsce.",
        .over = "To wydarzenie już się odbyło.",
        .reg_cancelled = "Ta rejestracja została anulowana. Aby wziąć udział, "
                         "zarejestruj się ponownie.",
        .cancel_q = "Czy na pewno chcesz anulować rejestrację?",
        .cancel_seat =
                "Twoje miejsce otrzyma kolejna osoba z listy rezerwowej.",
        .cancel_yes = "Tak, anuluj moją rejestrację",
        .cancel_no = "Nie, zachowaj moją rejestrację",
        .pk_talk = "Wystąpienie",
        .pk_session = "Sesja",
        .pk_break = "Przerwa",
        .pk_meal = "Posiłek",
        .pk_visit = "Wizyta",
        .room = "Sala",
        .required = "(wymagane)",
        .full = "brak miejsc",
        .yes = "Tak",
        .no = "Nie",
        .choose_one = "Wybierz jedną opcję",
        .e_consent = "Zaznacz to pole: rejestracja wymaga Twojej zgody.",
        .e_number = "Wpisz liczbę, na przykład 12.",
        .e_date = "Podaj datę.",
        .e_group_full = "Ta grupa jest już pełna. Wybierz inną.",
        .your_answers = "Twoje odpowiedzi",
        .no_answer = "Brak odpowiedzi",
        .save_answers = "Zapisz odpowiedzi",
        .answers_closed = "Rejestracja została zamknięta: odpowiedzi nie można "
                          "już zmienić.",
        .places_left = "Wolne miejsca:",
        .codes =
                {
                        {"bad_json", "Nie udało się odczytać żądania. Odśwież "
                                     "stronę i spróbuj ponownie."},
                        {"bad_path",
                         "Ten adres jest nieprawidłowy. Sprawdź link."},
                        {"bad_query",
                         "Ten adres jest nieprawidłowy. Sprawdź link."},
                        {"bad_request",
                         "Dane w formularzu są ze sobą sprzeczne. Sprawdź "
                         "odpowiedzi i wyślij ponownie."},
                        {"missing_field", "Wypełnij wszystkie wymagane pola."},
                        {"unknown_field",
                         "Formularz zawiera pole, którego nie znamy. Odśwież "
                         "stronę i spróbuj ponownie."},
                        {"wrong_type", "Jedna z wartości ma niewłaściwą "
                                       "postać. Sprawdź odpowiedzi."},
                        {"unauthorized",
                         "Ta strona jest dostępna tylko dla sekretariatu."},
                        {"login_failed", "Nazwa lub hasło są nieprawidłowe."},
                        {"csrf", "Strona była otwarta zbyt długo lub w innym "
                                 "oknie. Odśwież ją i spróbuj ponownie."},
                        {"forbidden",
                         "Ta strona jest dostępna tylko dla sekretariatu."},
                        {"not_found", "Nie znaleźliśmy tej strony. Sprawdź, "
                                      "czy skopiowano cały link."},
                        {"method_not_allowed",
                         "Ta czynność nie jest tu możliwa. Wróć i użyj "
                         "przycisków na stronie."},
                        {"conflict",
                         "To już nie jest możliwe: rejestracja lub wydarzenie "
                         "uległy zmianie. Odśwież stronę."},
                        {"too_long",
                         "Jedna z wartości jest za długa. Skróć ją."},
                        {"invalid_value",
                         "Jedna z wartości nie jest akceptowana. Sprawdź "
                         "zaznaczone pola."},
                        {"too_many_requests",
                         "Zbyt wiele prób z Twojego adresu. Odczekaj chwilę i "
                         "spróbuj ponownie."},
                        {"internal", "Wystąpił błąd po naszej stronie. Spróbuj "
                                     "ponownie później; jeśli się powtórzy, "
                                     "skontaktuj się z organizatorem."},
                        {"database_unavailable",
                         "Usługa jest chwilowo niedostępna. Spróbuj ponownie "
                         "za minutę."},
                        {"try_again", "W tej chwili rejestruje się wiele osób. "
                                      "Wyślij formularz ponownie."},
                        {"shutting_down", "Usługa jest ponownie uruchamiana. "
                                          "Spróbuj ponownie za minutę."},
                        {"unavailable",
                         "Nie można teraz przygotować kalendarza. Spróbuj "
                         "ponownie za minutę."},
                        {"too_many_connections",
                         "Usługa jest bardzo obciążona. Spróbuj ponownie za "
                         "minutę."},
                        {"answer_required", "Odpowiedz na wymagane pytania."},
                        {"choice_not_offered",
                         "Jednej z odpowiedzi nie ma wśród opcji. Wybierz "
                         "ponownie."},
                        {"consent_required",
                         "Aby się zarejestrować, wyraź wymaganą zgodę."},
                        {"group_full",
                         "Wybrana grupa jest pełna. Wybierz inną."},
                        {NULL, NULL},
                },
};

static const struct page_words w_es = {
        .lang = "es",
        .projects = "Proyectos",
        .no_projects = "Todavía no se ha publicado nada.",
        .upcoming_n = "Próximos eventos:",
        .upcoming = "Próximos",
        .past = "Anteriores",
        .nothing = "Todavía no hay eventos ni plazos.",
        .deadline = "Plazo",
        .event = "Evento",
        .seats_left = "Plazas libres:",
        .waiting_list = "Lista de espera",
        .full_waitlist = "Completo – las nuevas inscripciones pasan a la lista "
                         "de espera",
        .cancelled = "Cancelado",
        .register_btn = "Inscribirme",
        .more = "Detalles",
        .about = "Sobre el evento",
        .programme = "Programa",
        .programme_later = "El programa se publicará aquí.",
        .venue = "Lugar",
        .map = "Ver en el mapa (OpenStreetMap)",
        .organiser = "Organización",
        .project = "Proyecto",
        .subscribe = "Suscribirse al calendario",
        .sub_webcal = "Calendario de Apple u Outlook (ordenador)",
        .sub_google = "Google Calendar",
        .sub_outlook = "Outlook.com",
        .sub_copy = "O copia esta dirección en tu aplicación de calendario:",
        .add_event = "Añadir a mi calendario",
        .country = "País",
        .country_choose = "Elige tu país",
        .org_hint =
                "Empieza a escribir para ver las organizaciones ya inscritas.",
        .full_warning = "El evento está completo: si te inscribes ahora, "
                        "pasarás a la lista de espera.",
        .questions = "¿Preguntas? Contacta con la organización:",
        .errors_heading = "Corrige los campos marcados.",
        .e_required = "Rellena este campo.",
        .e_email = "Esto no es una dirección de correo. Ejemplo: "
                   "ana@ayuntamiento.es",
        .e_too_long = "El texto es demasiado largo. Acórtalo.",
        .e_chars = "Quita los saltos de línea, las tabulaciones y otros "
                   "caracteres de control.",
        .e_country = "Elige un país de la lista.",
        .e_choice = "Elige una de las opciones.",
        .wl_full = "El evento está completo: estás en la lista de espera.",
        .wl_cap = "Las plazas de tu organización ya están ocupadas: estás en "
                  "la lista de espera.",
        .wl_position = "Tu posición en la lista de espera:",
        .next_waitlist = "Qué pasa ahora: cuando quede libre una plaza, pasará "
                         "automáticamente a la siguiente persona de la lista y "
                         "te escribiremos enseguida. No tienes que hacer nada.",
        .next_pending =
                "Qué pasa ahora: pulsa el botón para confirmar tu inscripción. "
                "Hasta entonces no se te reserva ninguna plaza.",
        .next_confirmed =
                "Qué pasa ahora: recibirás recordatorios antes del evento. Si "
                "no puedes asistir, cancela tu inscripción para que otra "
                "persona pueda ocupar tu plaza.",
        .over = "Este evento ya ha terminado.",
        .reg_cancelled = "Esta inscripción se ha cancelado. Para participar, "
                         "inscríbete de nuevo.",
        .cancel_q = "¿De verdad quieres cancelar tu inscripción?",
        .cancel_seat =
                "Tu plaza pasará a la siguiente persona de la lista de espera.",
        .cancel_yes = "Sí, cancelar mi inscripción",
        .cancel_no = "No, mantener mi inscripción",
        .pk_talk = "Ponencia",
        .pk_session = "Sesión",
        .pk_break = "Pausa",
        .pk_meal = "Comida",
        .pk_visit = "Visita",
        .room = "Sala",
        .required = "(obligatorio)",
        .full = "completo",
        .yes = "Sí",
        .no = "No",
        .choose_one = "Elige una opción",
        .e_consent = "Marca esta casilla: la inscripción necesita tu "
                     "consentimiento.",
        .e_number = "Escribe un número, por ejemplo 12.",
        .e_date = "Indica una fecha.",
        .e_group_full = "Este grupo está completo. Elige otro.",
        .your_answers = "Tus respuestas",
        .no_answer = "Sin respuesta",
        .save_answers = "Guardar mis respuestas",
        .answers_closed = "La inscripción está cerrada: tus respuestas ya no "
                          "se pueden cambiar.",
        .places_left = "Plazas libres:",
        .codes =
                {
                        {"bad_json",
                         "No se ha podido leer la solicitud. Vuelve a cargar "
                         "la página e inténtalo de nuevo."},
                        {"bad_path",
                         "Esta dirección no es válida. Comprueba el enlace."},
                        {"bad_query",
                         "Esta dirección no es válida. Comprueba el enlace."},
                        {"bad_request",
                         "Los datos del formulario se contradicen. Revisa tus "
                         "respuestas y envíalo de nuevo."},
                        {"missing_field",
                         "Rellena todos los campos obligatorios."},
                        {"unknown_field",
                         "El formulario contiene un campo que no conocemos. "
                         "Vuelve a cargar la página e inténtalo de nuevo."},
                        {"wrong_type", "Un valor tiene un formato incorrecto. "
                                       "Revisa tus respuestas."},
                        {"unauthorized",
                         "Esta página es solo para la secretaría."},
                        {"login_failed",
                         "El nombre o la contraseña no son correctos."},
                        {"csrf",
                         "La página estuvo abierta demasiado tiempo o en otra "
                         "ventana. Recárgala y vuelve a intentarlo."},
                        {"forbidden",
                         "Esta página es solo para la secretaría."},
                        {"not_found",
                         "No hemos encontrado esta página. Comprueba que has "
                         "copiado el enlace completo."},
                        {"method_not_allowed",
                         "Esta acción no es posible aquí. Vuelve atrás y usa "
                         "los botones de la página."},
                        {"conflict",
                         "Ya no es posible: la inscripción o el evento han "
                         "cambiado. Vuelve a cargar la página."},
                        {"too_long", "Un valor es demasiado largo. Acórtalo."},
                        {"invalid_value",
                         "Un valor no se acepta. Revisa los campos marcados."},
                        {"too_many_requests",
                         "Demasiados intentos desde tu dirección. Espera un "
                         "momento e inténtalo de nuevo."},
                        {"internal", "Algo ha fallado por nuestra parte. "
                                     "Inténtalo más tarde; si vuelve a "
                                     "ocurrir, contacta con la organización."},
                        {"database_unavailable",
                         "El servicio no está disponible por un momento. "
                         "Inténtalo de nuevo dentro de un minuto."},
                        {"try_again",
                         "Mucha gente se está inscribiendo en este momento. "
                         "Envía el formulario de nuevo."},
                        {"shutting_down",
                         "El servicio se está reiniciando. Inténtalo de nuevo "
                         "dentro de un minuto."},
                        {"unavailable",
                         "Ahora no se puede generar el calendario. Inténtalo "
                         "de nuevo dentro de un minuto."},
                        {"too_many_connections",
                         "El servicio está muy ocupado. Inténtalo de nuevo "
                         "dentro de un minuto."},
                        {"answer_required",
                         "Responde a las preguntas obligatorias."},
                        {"choice_not_offered",
                         "Una de tus respuestas no está entre las opciones. "
                         "Elige de nuevo."},
                        {"consent_required",
                         "Para inscribirte, da el consentimiento necesario."},
                        {"group_full",
                         "El grupo que elegiste está completo. Elige otro."},
                        {NULL, NULL},
                },
};

static const struct page_words w_fi = {
        .lang = "fi",
        .projects = "Hankkeet",
        .no_projects = "Mitään ei ole vielä julkaistu.",
        .upcoming_n = "Tulevia tapahtumia:",
        .upcoming = "Tulevat",
        .past = "Menneet",
        .nothing = "Ei vielä tapahtumia eikä määräaikoja.",
        .deadline = "Määräaika",
        .event = "Tapahtuma",
        .seats_left = "Vapaita paikkoja:",
        .waiting_list = "Jonotuslista",
        .full_waitlist =
                "Täynnä – uudet ilmoittautumiset menevät jonotuslistalle",
        .cancelled = "Peruttu",
        .register_btn = "Ilmoittaudu",
        .more = "Lisätietoja",
        .about = "Tapahtumasta",
        .programme = "Ohjelma",
        .programme_later = "Ohjelma julkaistaan tässä.",
        .venue = "Paikka",
        .map = "Näytä kartalla (OpenStreetMap)",
        .organiser = "Järjestäjä",
        .project = "Hanke",
        .subscribe = "Tilaa kalenteri",
        .sub_webcal = "Apple-kalenteri tai Outlook (tietokone)",
        .sub_google = "Google-kalenteri",
        .sub_outlook = "Outlook.com",
        .sub_copy = "Tai kopioi tämä osoite kalenterisovellukseesi:",
        .add_event = "Lisää kalenteriini",
        .country = "Maa",
        .country_choose = "Valitse maasi",
        .org_hint = "Aloita kirjoittaminen nähdäksesi jo ilmoittautuneet "
                    "organisaatiot.",
        .full_warning = "Tapahtuma on täynnä: jos ilmoittaudut nyt, pääset "
                        "jonotuslistalle.",
        .questions = "Kysyttävää? Ota yhteyttä järjestäjään:",
        .errors_heading = "Korjaa merkityt kentät.",
        .e_required = "Täytä tämä kenttä.",
        .e_email = "Tämä ei ole sähköpostiosoite. Esimerkki: anna@kunta.fi",
        .e_too_long = "Teksti on liian pitkä. Lyhennä sitä.",
        .e_chars = "Poista rivinvaihdot, sarkaimet ja muut ohjausmerkit.",
        .e_country = "Valitse maa luettelosta.",
        .e_choice = "Valitse yksi vaihtoehdoista.",
        .wl_full = "Tapahtuma on täynnä: olet jonotuslistalla.",
        .wl_cap = "Organisaatiosi paikat on jo varattu: olet jonotuslistalla.",
        .wl_position = "Sijaintisi jonotuslistalla:",
        .next_waitlist =
                "Mitä seuraavaksi: kun paikka vapautuu, se annetaan "
                "automaattisesti seuraavalle jonossa, ja ilmoitamme sinulle "
                "heti sähköpostilla. Sinun ei tarvitse tehdä mitään.",
        .next_pending =
                "Mitä seuraavaksi: vahvista ilmoittautumisesi painamalla "
                "painiketta. Siihen asti sinulle ei varata paikkaa.",
        .next_confirmed = "Mitä seuraavaksi: saat muistutuksia ennen "
                          "tapahtumaa. Jos et pääse paikalle, peru "
                          "ilmoittautumisesi, jotta joku muu saa paikkasi.",
        .over = "Tämä tapahtuma on jo päättynyt.",
        .reg_cancelled = "Tämä ilmoittautuminen on peruttu. Ilmoittaudu "
                         "uudelleen osallistuaksesi.",
        .cancel_q = "Haluatko varmasti perua ilmoittautumisesi?",
        .cancel_seat = "Paikkasi annetaan seuraavalle jonotuslistalla.",
        .cancel_yes = "Kyllä, peru ilmoittautumiseni",
        .cancel_no = "Ei, pidä ilmoittautumiseni",
        .pk_talk = "Esitys",
        .pk_session = "Sessio",
        .pk_break = "Tauko",
        .pk_meal = "Ateria",
        .pk_visit = "Vierailu",
        .room = "Tila",
        .required = "(pakollinen)",
        .full = "täynnä",
        .yes = "Kyllä",
        .no = "Ei",
        .choose_one = "Valitse yksi",
        .e_consent = "Rastita tämä ruutu: ilmoittautuminen edellyttää "
                     "suostumustasi.",
        .e_number = "Kirjoita luku, esimerkiksi 12.",
        .e_date = "Anna päivämäärä.",
        .e_group_full = "Tämä ryhmä on täynnä. Valitse toinen.",
        .your_answers = "Vastauksesi",
        .no_answer = "Ei vastausta",
        .save_answers = "Tallenna vastaukseni",
        .answers_closed = "Ilmoittautuminen on päättynyt: vastauksiasi ei voi "
                          "enää muuttaa.",
        .places_left = "Paikkoja jäljellä:",
        .codes =
                {
                        {"bad_json", "Pyyntöä ei voitu lukea. Lataa sivu "
                                     "uudelleen ja yritä uudestaan."},
                        {"bad_path",
                         "Osoite ei ole kelvollinen. Tarkista linkki."},
                        {"bad_query",
                         "Osoite ei ole kelvollinen. Tarkista linkki."},
                        {"bad_request",
                         "Lomakkeen tiedot ovat ristiriidassa. Tarkista "
                         "vastauksesi ja lähetä uudelleen."},
                        {"missing_field", "Täytä kaikki pakolliset kentät."},
                        {"unknown_field",
                         "Lomakkeessa on kenttä, jota emme tunne. Lataa sivu "
                         "uudelleen ja yritä uudestaan."},
                        {"wrong_type", "Jokin arvo on väärässä muodossa. "
                                       "Tarkista vastauksesi."},
                        {"unauthorized", "Tämä sivu on vain sihteeristölle."},
                        {"login_failed", "Nimi tai salasana ei ole oikein."},
                        {"csrf",
                         "Sivu oli auki liian kauan tai toisessa ikkunassa. "
                         "Lataa se uudelleen ja yritä uudestaan."},
                        {"forbidden", "Tämä sivu on vain sihteeristölle."},
                        {"not_found", "Emme löytäneet tätä sivua. Tarkista, "
                                      "että kopioit koko linkin."},
                        {"method_not_allowed",
                         "Tämä toiminto ei ole mahdollinen täällä. Palaa "
                         "takaisin ja käytä sivun painikkeita."},
                        {"conflict",
                         "Tämä ei ole enää mahdollista: ilmoittautuminen tai "
                         "tapahtuma on muuttunut. Lataa sivu uudelleen."},
                        {"too_long",
                         "Jokin arvo on liian pitkä. Lyhennä sitä."},
                        {"invalid_value", "Jotakin arvoa ei hyväksytä. "
                                          "Tarkista merkityt kentät."},
                        {"too_many_requests",
                         "Liian monta yritystä osoitteestasi. Odota hetki ja "
                         "yritä uudelleen."},
                        {"internal", "Jokin meni vikaan meidän päässämme. "
                                     "Yritä myöhemmin uudelleen; jos virhe "
                                     "toistuu, ota yhteyttä järjestäjään."},
                        {"database_unavailable",
                         "Palvelu ei ole hetkeen käytettävissä. Yritä "
                         "uudelleen minuutin kuluttua."},
                        {"try_again", "Juuri nyt moni ilmoittautuu. Lähetä "
                                      "lomake uudelleen."},
                        {"shutting_down", "Palvelu käynnistyy uudelleen. Yritä "
                                          "uudelleen minuutin kuluttua."},
                        {"unavailable", "Kalenteria ei voi nyt muodostaa. "
                                        "Yritä uudelleen minuutin kuluttua."},
                        {"too_many_connections",
                         "Palvelu on hyvin kuormittunut. Yritä uudelleen "
                         "minuutin kuluttua."},
                        {"answer_required", "Vastaa pakollisiin kysymyksiin."},
                        {"choice_not_offered",
                         "Yksi vastauksistasi ei ole vaihtoehdoissa. Valitse "
                         "uudelleen."},
                        {"consent_required",
                         "Anna vaadittu suostumus ilmoittautuaksesi."},
                        {"group_full",
                         "Valitsemasi ryhmä on täynnä. Valitse toinen."},
                        {NULL, NULL},
                },
};

static const struct page_words *const all[] = {&w_en, &w_sv, &w_it, &w_pl,
                                               &w_es, &w_fi, NULL};

const struct page_words *page_words_get(const char *lang)
{
	for (int i = 0; lang && all[i]; i++)
		if (strcmp(all[i]->lang, lang) == 0)
			return all[i];
	return &w_en;
}

const char *page_words_code(const struct page_words *w, const char *code)
{
	const char *internal = NULL;

	for (const struct page_code_text *c = w->codes; c->code; c++) {
		if (code && strcmp(c->code, code) == 0)
			return c->text;
		if (strcmp(c->code, "internal") == 0)
			internal = c->text;
	}
	return internal;
}

const char *page_words_field(const struct page_words *w, const char *code,
                             const char *field)
{
	if (code == NULL || field == NULL)
		return NULL;
	if (strcmp(code, "missing_field") == 0)
		return w->e_required;
	if (strcmp(code, "too_long") == 0)
		return w->e_too_long;
	if (strcmp(code, "invalid_value") != 0 &&
	    strcmp(code, "wrong_type") != 0)
		return NULL;
	if (strcmp(field, "email") == 0)
		return w->e_email;
	if (strcmp(field, "country") == 0)
		return w->e_country;
	if (strcmp(field, "role") == 0 || strcmp(field, "language") == 0)
		return w->e_choice;
	if (strcmp(field, "name") == 0 || strcmp(field, "organisation") == 0)
		return w->e_required; /* blank: only white space */
	return NULL;
}

const char *page_words_kind(const struct page_words *w, const char *kind)
{
	const struct {
		const char *kind, *text;
	} k[] = {
	        {"talk", w->pk_talk},   {"session", w->pk_session},
	        {"break", w->pk_break}, {"meal", w->pk_meal},
	        {"visit", w->pk_visit},
	};

	for (size_t i = 0; kind && i < sizeof(k) / sizeof(k[0]); i++)
		if (strcmp(k[i].kind, kind) == 0)
			return k[i].text;
	return kind ? kind : "";
}

const char *page_words_answer(const struct page_words *w, const char *code,
                              const char *kind)
{
	int choice = kind && (strcmp(kind, "choice") == 0 ||
	                      strcmp(kind, "choices") == 0 ||
	                      strcmp(kind, "yes_no") == 0);

	if (code == NULL)
		code = "invalid_value";
	if (strcmp(code, "consent_required") == 0)
		return w->e_consent;
	if (strcmp(code, "group_full") == 0)
		return w->e_group_full;
	if (strcmp(code, "too_long") == 0)
		return w->e_too_long;
	if (strcmp(code, "choice_not_offered") == 0)
		return w->e_choice;
	if (strcmp(code, "answer_required") == 0)
		return choice ? w->e_choice : w->e_required;
	if (kind && strcmp(kind, "number") == 0)
		return w->e_number;
	if (kind && strcmp(kind, "date") == 0)
		return w->e_date;
	if (choice)
		return w->e_choice;
	if (kind && strcmp(kind, "consent") == 0)
		return w->e_consent;
	return w->e_chars; /* text: what the rule refuses is characters */
}

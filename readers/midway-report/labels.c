/* midway-report: the texts of the report, in Danish and English. */
#include "report.h"


const char *const mw_report_dq_stages[DQ_STAGES] = {
    "decode", "schema", "privacy", "validate", "bind", "store"};

/* The stages' names on the data-quality page, Danish and English. */
const char *const mw_report_dq_stage_labels[DQ_STAGES][2] = {
    {"Afkodning", "Decoding"},       {"Skema", "Schema"},
    {"Persondata", "Personal data"}, {"Validering", "Validation"},
    {"Tilknytning", "Binding"},      {"Lagring", "Storing"}};

const char *const mw_report_labels[L_COUNT][2] = {
    [L_TITLE] = {"Midtvejsstatus", "Midway status"},
    [L_PROGRAMME] = {"Empowerment af borgerne", "Empowerment af borgerne"},
    [L_STATUS_AS_OF] = {"Status pr. ", "Status as of "},
    [L_KEY_FIGURES] = {"Nøgletal", "Key figures"},
    [L_VISITED] = {"Visiterede borgere", "Citizens visited"},
    [L_EXPECTED] = {"Forventet pr. 1. juli 2015", "Expected by 1 July 2015"},
    [L_EXPECTED_TOTAL] = {"Samlet måltal", "Total target"},
    [L_ACTIVE] = {"Aktive borgere", "Active citizens"},
    [L_EXITS] = {"Afgange", "Exits"},
    [L_EXIT_RATE] = {"Afgange i pct. af visiterede", "Exits, % of visited"},
    [L_OVER4] = {"Aktive i mere end 4 måneder",
                 "Active for more than 4 months"},
    [L_INTERVENTION] = {"Aktive med mindst én indsats",
                        "Active with at least one intervention"},
    [L_NO_INTERVENTION] = {"Aktive uden indsats",
                           "Active without an intervention"},
    [L_MENTOR] = {"Aktive med mentorstøtte", "Active with mentor support"},
    [L_COMPANY] = {"Aktive med virksomhedsrettet indsats",
                   "Active with a company-oriented intervention"},
    [L_CONTACTS_FIRST] = {"Kontakter i første måned pr. borger",
                          "Contacts in the first month per citizen"},
    [L_CONTACTS_LATER] = {"Kontakter pr. borger pr. måned derefter",
                          "Contacts per citizen per month after that"},
    [L_SMS_EMAIL] = {"Kontakter via sms eller e-mail",
                     "Contacts by SMS or e-mail"},
    [L_CONTACTS_TOTAL] = {"Kontakter i alt", "Contacts in total"},
    [L_EXIT_REASONS] = {"Afgange fordelt på årsag", "Exits by reason"},
    [L_OUTCOME] = {"Afgange fordelt på udfald", "Exits by outcome"},
    [L_JOB] = {"Ordinært job", "Ordinary job"},
    [L_FLEXJOB] = {"Fleksjob", "Flexjob"},
    [L_EDUCATION] = {"Ordinær uddannelse", "Ordinary education"},
    [L_OTHER] = {"Andre årsager", "Other reasons"},
    [L_TOTAL] = {"I alt", "Total"},
    [L_NUMBER] = {"Antal", "Number"},
    [L_SHARE_OF_EXITS] = {"Andel af afgange", "Share of exits"},
    [L_SHARE_OF_ACTIVE] = {"Andel af aktive", "Share of active"},
    [L_INTERVENTIONS_H] = {"Indsatser, mentorstøtte og virksomhedsrettede "
                           "indsatser",
                           "Interventions, mentor support and "
                           "company-oriented interventions"},
    [L_CONTACTS_H] = {"Kontakt med den koordinerende sagsbehandler",
                      "Contact with the coordinating caseworker"},
    [L_CHANNEL] = {"Kontaktform", "Contact form"},
    [L_PROFILE_H] = {"Målgruppeprofil, aktive borgere",
                     "Target-group profile, active citizens"},
    [L_GENDER] = {"Køn", "Gender"},
    [L_AGE] = {"Alder", "Age"},
    [L_BENEFIT] = {"Forsørgelsesgrundlag", "Benefit"},
    [L_PROBLEM] = {"Problemområder", "Problem areas"},
    [L_ONE_AREA] = {"Ét hovedproblemområde", "One main problem area"},
    [L_MULTI_AREA] = {"Flere hovedproblemområder",
                      "More than one main problem area"},
    [L_NO_AREA] = {"Problemområde ikke angivet", "Problem area not stated"},
    [L_PROJECTS_H] = {"Alle projekter", "All projects"},
    [L_PROJECT] = {"Projekt", "Project"},
    [L_GROUP] = {"Målgruppe", "Target group"},
    [L_YOUTH] = {"Unge", "Youth"},
    [L_ADULT] = {"Voksne", "Adults"},
    [L_YOUTH_PROJECT] = {"Ungeprojekt", "Youth project"},
    [L_ADULT_PROJECT] = {"Voksenprojekt", "Adult project"},
    [L_OVER_TIME] = {"Udvikling over tid", "Over time"},
    [L_CHART_DATA] = {"Tallene bag figuren", "The figures behind the chart"},
    [L_THE_PROJECT] = {"Projektet", "The project"},
    [L_ALL_PROJECTS] = {"Alle projekter", "All projects"},
    [L_AVERAGE] = {"Gennemsnit, alle projekter", "Cross-site average"},
    [L_AVERAGE_NOTE] = {"Gennemsnit: for antal gennemsnittet pr. projekt, "
                        "for andele alle projekters borgere under ét.",
                        "Cross-site average: for counts the average per "
                        "project, for shares all projects' citizens "
                        "together."},
    [L_DATE] = {"Dato", "Date"},
    [L_HIDDEN_TITLE] = {"Skjult af hensyn til diskretion",
                        "Hidden for confidentiality"},
    [L_LEGEND] = {"x: skjult af hensyn til diskretion. Antal på 1 til %d "
                  "personer vises ikke, og andre tal skjules, hvor et "
                  "skjult tal ellers kunne regnes ud af de viste (summer, "
                  "totaler, andre datoer). En andel skjules, når dens "
                  "tæller eller nævner er skjult.",
                  "x: hidden for confidentiality. Counts of 1 to %d "
                  "persons are not shown, and other figures are hidden "
                  "where a hidden count could otherwise be worked out "
                  "from those shown (sums, totals, other dates). A share "
                  "is hidden when its numerator or denominator is."},
    [L_SOURCE] = {"Kilde: projekternes registreringer i midway. Data-id %s.",
                  "Source: the projects' registrations in midway. Data id "
                  "%s."},
    [L_GAPS] = {"Huller i kurverne er skjulte tal.",
                "Gaps in the curves are hidden figures."},
    [L_BACK] = {"Oversigt over alle projekter", "Overview of all projects"},
    [L_CHANGE_SINCE] = {"Ændring siden ", "Change since "},
    [L_PP] = {" pct.-point", " pp"},
    [L_MEASURE] = {"Nøgletal", "Measure"},
    [L_MUNICIPALITY] = {"Kommune", "Municipality"},
    [L_PROJECTS_COUNT] = {"projekter", "projects"},
    [L_EXITS_SHORT] = {"Afgange", "Exits"},
    [L_OVER4_SHORT] = {"> 4 mdr.", "> 4 mo."},
    [L_INTERVENTION_SHORT] = {"Indsats", "Interv."},
    [L_MENTOR_SHORT] = {"Mentor", "Mentor"},
    [L_COMPANY_SHORT] = {"Virksomh.", "Company"},
    [L_EXPECTED_SHORT] = {"Forventet", "Expected"},
    [L_PROFILE_NOTE] = {"Andele af de aktive borgere.",
                        "Shares of the active citizens."},
    [L_CHANNEL_NOTE] = {"Andele af alle kontakter.", "Shares of all contacts."},
    [L_CONTACTS_SHORT] = {"Kontakter", "Contacts"},
    [L_SINCE] = {"siden ", "since "},
    /* as in the real report: Kvinder/Mænd, sms (Danish spelling) */
    [L_WOMEN] = {"Kvinder", "Women"},
    [L_MEN] = {"Mænd", "Men"},
    [L_SMS] = {"sms", "SMS"},
    [L_Y_PERSONS] = {"Antal borgere", "Number of citizens"},
    [L_DQ_H] = {"Datakvalitet", "Data quality"},
    [L_DQ_INTRO] = {"Hvad statussen ikke kan tælle med, og hvad der er "
                    "registreret sent eller slet ikke nået frem, pr. "
                    "projekt og for alle projekter.",
                    "What the status cannot count, and what was "
                    "registered late or never arrived, per project and "
                    "for all projects."},
    [L_DQ_CONTACTS] = {"Kontakter", "Contacts"},
    [L_DQ_BEFORE] = {"Kontakter før visitation", "Contacts before intake"},
    [L_DQ_WITHOUT] = {"Kontakter uden visitation", "Contacts without intake"},
    [L_DQ_REG_H] = {"Kontakter, registreringer og forsinkelse",
                    "Contacts, registrations and lag"},
    [L_DQ_REGISTRATIONS] = {"Registreringer", "Registrations"},
    [L_DQ_MEDIAN] = {"Median, dage", "Median, days"},
    [L_DQ_P90] = {"90 %-fraktil, dage", "90th percentile, days"},
    [L_DQ_MAX] = {"Længst, dage", "Longest, days"},
    [L_DQ_LATE] = {"Registreret efter 30 dage", "Registered after 30 days"},
    [L_DQ_DEAD_H] = {"Afviste beskeder", "Rejected messages"},
    [L_DQ_DEAD] = {"I alt", "Total"},
    [L_ASSESS_H] = {"Evaluators vurdering", "The evaluator's assessment"},
    [L_ASSESS_ITEM] = {"Punkt", "Item"},
    [L_ASSESS_LEVEL] = {"Status", "Status"},
    [L_ASSESS_TEXT] = {"Vurdering", "Assessment"},
    [L_ASSESS_NONE] = {"Evaluator har ikke registreret en vurdering af "
                       "projektet til denne status.",
                       "The evaluator has registered no assessment of the "
                       "project for this status."},
    [L_REQ_1] = {"Minimumskrav 1: borgerens indflydelse",
                 "Minimum requirement 1: the citizen's influence"},
    [L_REQ_2] = {"Minimumskrav 2: tværgående indsatser og netværk",
                 "Minimum requirement 2: cross-cutting interventions and "
                 "network"},
    [L_REQ_3] = {"Minimumskrav 3: én plan", "Minimum requirement 3: one plan"},
    [L_REQ_4] = {"Minimumskrav 4: koordinerende sagsbehandler og mentor",
                 "Minimum requirement 4: coordinating caseworker and mentor"},
    [L_FOCUS_SO_FAR] = {"De vigtigste fokusområder indtil nu",
                        "The main focus areas so far"},
    [L_FOCUS_AHEAD] = {"Fremadrettede fokusområder", "Focus areas ahead"},
    [L_MET] = {"Opfyldt", "Met"},
    [L_PARTLY_MET] = {"Delvist opfyldt", "Partly met"},
    [L_NOT_MET] = {"Ikke opfyldt", "Not met"},
    [L_DQ_DEAD_NOTE] = {"Beskeder, som ikke kunne indlæses, fordelt på "
                        "trin: afkodning, skema, persondata, validering, "
                        "tilknytning, lagring. Alle til dato, uanset "
                        "statusdatoen.",
                        "Messages that could not be loaded, by stage: "
                        "decoding, schema, personal data, validation, "
                        "binding, storing. All so far, whatever the status "
                        "date."},
    [L_DQ_LAG_NOTE] = {"Dage fra hændelsen til dens registrering, for nye "
                       "registreringer af hændelser til og med "
                       "statusdatoen.",
                       "Days from the event to its registration, for new "
                       "registrations of events up to the status date."},
    [L_DQ_PERSONS_NOTE] = {"Kontakter før visitation og kontakter med "
                           "borgere uden visitation tælles ikke med i "
                           "statussen. Antal borgere vises ikke her; "
                           "siden viser kun tal for registreringer.",
                           "Contacts before the intake and contacts of "
                           "citizens without an intake are not in the "
                           "status. Numbers of citizens are not shown "
                           "here; the page shows registration figures "
                           "only."},
    [L_DQ_LINK] = {"Datakvalitet: registreringer og forsinkelse",
                   "Data quality: registrations and lag"},
};

/**
 * Word pools for realistic text: German, English and Russian business vocabulary, names from
 * many scripts, and the strings that break naive encoders.
 */
export const firstNames = [
  'Anna', 'Jürgen', 'Zoë', 'Łukasz', 'Ángel', 'Ольга', 'Дмитрий', 'Søren', 'François', 'Björn', 'Ayşe', 'Mårten',
  'Chloé', 'José', 'Małgorzata', 'Nikolai', 'Emma', 'Liam', 'Olivia', 'Noah', 'Sophie', 'Max', 'Marie', 'Paul',
  'Лена', 'Ivan', 'Fatima', 'محمد', '太郎', '花子', 'Niamh', 'Siobhán', 'Ægir', 'Dörte', 'Kai', 'Jana', 'Tomáš', 'Eliška',
];

export const lastNames = [
  'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weiß', 'Groß', 'Krüger', 'Smith', 'Johnson', "O'Brien", 'Nowak',
  'Kowalski', 'Иванова', 'Петров', 'García', 'Martínez', 'Dubois', 'Lefèvre', 'Jensen', 'Öztürk', 'Yılmaz', 'Novák',
  'Svoboda', 'Rossi', 'Bianchi', '山田', '佐藤', 'Al-Rashid', 'van der Berg', 'de la Cruz', 'Nguyễn', 'Ó Súilleabháin',
];

export const companyWords = [
  'Müller', 'Nordlicht', 'Alpen', 'Rhein', 'Baltic', 'Stern', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay',
  'Контур', 'Сибирь', 'Zenit', 'Ostwind', 'Brücke', 'Falke', 'Quelle', 'Delta', 'Orbit', 'Lumen', 'Kraft', 'Atlas',
];

export const companySuffixes = ['GmbH', 'AG', 'GmbH & Co. KG', 'Ltd.', 'Inc.', 'S.A.', 'ООО', 'OÜ', 'e.K.', 'KG', 'B.V.', 'Sp. z o.o.'];

export const words = [
  // Deutsch
  'Angebot', 'Rechnung', 'Kunde', 'Lieferung', 'Vertrag', 'Besprechung', 'Termin', 'Größe', 'Übersicht', 'Änderung',
  'Prüfung', 'Freigabe', 'Straße', 'Maßnahme', 'Zuständigkeit', 'Rückruf', 'bitte', 'dringend', 'morgen', 'heute',
  'schnell', 'prüfen', 'senden', 'erledigt', 'für', 'über', 'mit', 'und', 'oder', 'nicht', 'Projekt', 'Budget',
  // English
  'invoice', 'meeting', 'customer', 'delivery', 'contract', 'proposal', 'deadline', 'review', 'approve', 'update',
  'the', 'a', 'for', 'with', 'and', 'please', 'call', 'back', 'today', 'tomorrow', 'report', 'quarter', 'budget',
  'sales', 'pipeline', 'follow-up', 'draft', 'final', 'version', 'team', 'support', 'ticket', 'order', 'price',
  // Русский
  'счёт', 'договор', 'встреча', 'клиент', 'поставка', 'задача', 'срочно', 'проверить', 'отправить', 'сегодня', 'завтра',
  'отчёт', 'бюджет', 'и', 'для', 'с',
];

export const emojis = ['🚀', '👍', '✅', '📎', '🎉', '😊', '⚠️', '📞', '💶', '🇩🇪'];

/** Values that a naive row encoder, escaper or charset conversion gets wrong. */
export const trickyStrings = [
  'Tab\there\tand there',
  'line one\nline two\nline three',
  'Windows\r\nline ending',
  'C:\\Users\\müller\\Desktop\\Angebot.pdf',
  '\\N is not NULL',
  'trailing backslash \\',
  '\\\\server\\share\\Ordner',
  "quote ' and \" and `backtick`",
  ' leading and trailing spaces ',
  '日本語のテキストと한국어',
  'Ωmega ≠ ∞ ± ½ € £ ¥',
  'emoji 🚀👍🏽👨‍👩‍👧‍👦',
  'zero width\u200Bjoiner',
  'NULL',
  '<script>alert("x")</script>',
  '{"not": "json", "but": "looks like it"}',
  'Grüße aus Köln — Straße 5, 50667',
];

export const stageIds = ['NEW', 'PREPARATION', 'PREPAYMENT_INVOICE', 'EXECUTING', 'FINAL_INVOICE', 'SUCCESS', 'LOSE'];
export const industries = ['IT', 'TELECOM', 'MANUFACTURING', 'BANKING', 'CONSULTING', 'FINANCE', 'GOVERNMENT', 'DELIVERY', 'ENTERTAINMENT', 'OTHER'];
export const cities = ['Berlin', 'München', 'Köln', 'Hamburg', 'Wien', 'Zürich', 'Düsseldorf', 'Москва', 'Warszawa', 'Praha', 'London', 'Paris'];
export const connectors = ['telegrambot', 'facebook', 'whatsappbyedna', 'viber', 'instagram', 'livechat', 'network', 'vkgroup', 'avito', 'olx'];
export const departments = ['Vertrieb', 'Marketing', 'Buchhaltung', 'IT', 'Personal', 'Einkauf', 'Support', 'Logistik', 'Geschäftsführung', 'Отдел продаж', 'R&D'];

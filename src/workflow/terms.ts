/**
 * The migration terms the customer confirms (M2), by version. The request stores the version
 * confirmed; the text is what the portal shows in full before the binding confirmation, so a
 * version's text is never edited once released — a change is a new version.
 */
const terms: Readonly<Record<string, string>> = {
  '2026-11': [
    'Migration terms, version 2026-11',
    '',
    '1. One migration backup of the cloud account is free. Every further backup needs a paid order, at the list price in force when it is ordered.',
    '2. The license key must be a paid on-premise key with a valid subscription for updates and priority support, activated and registered before the request. Its user limit must be at least the number of active users of the cloud account; extranet users and invited employees count, deactivated employees do not.',
    '3. Auto-renewal of the cloud subscription must be switched off before the migration.',
    '4. The purchased edition may lack features the cloud account uses. The data of those features is not moved; the assessment lists them before this confirmation.',
    '5. The archive is built from the nightly backup of the night before the final date. Changes made after that backup are not in the archive. From the final date on, the cloud account is frozen and can no longer be worked in. The vendor sets the final date, which may differ from the requested one, and tells the customer.',
    '6. Building normally takes 1 to 5 days; accounts with rented phone numbers take longer.',
    '7. The archive holds the account\'s database in the on-premise structure, its public files and the matching on-premise application files. Users\' password hashes, the search index and marketplace apps (with their data and tokens) are left out; every user sets a new password after the restore.',
    '8. The archive is password-protected. The password is sent after the build, separately from the download.',
    '9. The archive is kept for 7 days after it is ready and then deleted everywhere it is stored; its download stops working.',
    '10. Telephony: rented numbers and the telephony account move only after the restored installation has a trusted certificate and files a telephony transfer request.',
  ].join('\n'),
};

export function termsText(version: string): string | undefined {
  return terms[version];
}

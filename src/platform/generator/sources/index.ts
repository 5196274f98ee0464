import type { FileStore } from '../../filestore.js';
import type { TableSource } from './common.js';
import * as comms from './comms.js';
import * as main from './main.js';
import * as web from './web.js';
import * as work from './work.js';

/** Every cloud table's rows, in the order they are generated: referenced rows first. */
export function tableSources(store: FileStore): TableSource[] {
  return [
    main.cloudModuleVersion, main.cloudTenant, main.bitrix24Limit, main.culture, main.lang,
    main.fileSource(store), main.user, main.group, main.userGroup, main.userStoredAuth, main.option,
    main.department, main.userDepartment,
    work.company, work.contact, work.deal, work.activity, work.fieldMulti,
    work.task, work.taskMember, work.checklistItem,
    work.diskStorage, work.diskObject,
    comms.chat, comms.message, comms.relation,
    comms.openlineConfig, comms.openlineSession, comms.connectorStatus, comms.bot, comms.pullChannel,
    web.landingDomain, web.landingSite, web.landingPage, web.landingBlock, web.webform, web.webformResult,
    comms.telephonyAccount, comms.phoneNumber, comms.sip, comms.callStatistic,
    comms.mailbox, comms.mailMessage, comms.smtp,
    web.restApp, web.restEvent, web.restToken,
    web.searchStem, web.searchContent, web.searchContentStem,
  ];
}

export type { TableSource } from './common.js';

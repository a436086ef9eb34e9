/**
 * What `crm import` accepts, per entity: fields, their header aliases (English and Russian),
 * their types, and how a row finds the row it updates. `crm import fields <entity>` prints this.
 */
import type { TableName } from '../db/types.js';

export type RefTarget = 'client' | 'staff' | 'product' | 'promotion' | 'contact' | 'response' | 'plan_task' | 'deal';

export type FieldType =
  | { readonly kind: 'text'; readonly max?: number }
  | { readonly kind: 'enum'; readonly values: readonly string[]; readonly aliases?: Readonly<Record<string, string>> }
  | { readonly kind: 'date' }
  | { readonly kind: 'datetime' }
  | { readonly kind: 'money' }
  | { readonly kind: 'int'; readonly min: number; readonly max: number }
  | { readonly kind: 'bool' }
  | { readonly kind: 'phone' }
  | { readonly kind: 'email' }
  | { readonly kind: 'inn' }
  | { readonly kind: 'kpp' }
  | { readonly kind: 'website' }
  | { readonly kind: 'week' }
  | { readonly kind: 'ref'; readonly target: RefTarget };

export interface FieldSpec {
  /** the field name used in headers, --map and `crm import fields` */
  readonly name: string;
  /** the database column it fills */
  readonly column: string;
  readonly type: FieldType;
  readonly required?: boolean;
  /** other header spellings, compared after folding case, ё/е, spaces and punctuation */
  readonly aliases: readonly string[];
  readonly help: string;
}

/** One way to find the existing row an incoming row updates; the first key whose columns all have values is used. */
export type MatchKey = readonly string[];

export interface EntitySpec {
  readonly name: string;
  readonly table: TableName;
  /** what a reference to this entity is called (client, staff, …), if others can refer to it */
  readonly refTarget?: RefTarget;
  readonly aliases: readonly string[];
  readonly fields: readonly FieldSpec[];
  /** match keys in order of preference; columns, with "~" before a text column compared folded */
  readonly keys: readonly MatchKey[];
  /** the table has source and external_id columns */
  readonly external: boolean;
  /** the table has updated_at/updated_by */
  readonly stamped: boolean;
}

const text = (max = 1000): FieldType => ({ kind: 'text', max });
const LONG = text(20000);
const ref = (target: RefTarget): FieldType => ({ kind: 'ref', target });
const enumOf = (values: readonly string[], aliases: Record<string, string> = {}): FieldType => ({ kind: 'enum', values, aliases });

const f = (name: string, column: string, type: FieldType, aliases: string[], help: string, required = false): FieldSpec => ({
  name,
  column,
  type,
  aliases,
  help,
  required,
});

const externalId = f('external_id', 'external_id', text(200), ['id', 'ext_id', 'код', 'внешний код', 'идентификатор', 'guid', 'uid'], 'the id in the source system; re-imports update by it');

export const ACTIVITY_KINDS = ['call', 'meeting', 'visit', 'email', 'letter', 'presentation', 'top_to_top', 'service', 'proposal', 'other'] as const;
const KIND_ALIASES = {
  звонок: 'call',
  встреча: 'meeting',
  визит: 'visit',
  письмо: 'letter',
  'эл. письмо': 'email',
  'e-mail': 'email',
  презентация: 'presentation',
  'top-to-top': 'top_to_top',
  'встреча руководителей': 'top_to_top',
  сервис: 'service',
  'коммерческое предложение': 'proposal',
  кп: 'proposal',
  другое: 'other',
};

export const STAFF_ROLES = ['account_manager', 'national_account_manager', 'field_rep', 'sales_manager', 'executive', 'service', 'rnd', 'production', 'finance', 'logistics', 'planning', 'marketing', 'crm'] as const;

export const TEAM_ROLES = ['account_manager', 'national_account_manager', 'executive_sponsor', 'field_rep', 'sales_manager', 'service', 'rnd', 'production', 'finance', 'logistics', 'planning', 'other'] as const;

const ROLE_ALIASES = {
  'менеджер по работе с клиентами': 'account_manager',
  'менеджер по ключевым клиентам': 'account_manager',
  'key account manager': 'account_manager',
  kam: 'account_manager',
  'менеджер по общенациональным клиентам': 'national_account_manager',
  'торговый представитель': 'field_rep',
  'полевой представитель': 'field_rep',
  'менеджер по продажам': 'sales_manager',
  руководитель: 'executive',
  директор: 'executive',
  сервис: 'service',
  'ниокр': 'rnd',
  производство: 'production',
  финансы: 'finance',
  логистика: 'logistics',
  планирование: 'planning',
  маркетинг: 'marketing',
  'отдел crm': 'crm',
  'спонсор': 'executive_sponsor',
  'executive sponsor': 'executive_sponsor',
  другое: 'other',
};

export const ENTITIES: readonly EntitySpec[] = [
  {
    name: 'staff',
    table: 'staff',
    refTarget: 'staff',
    aliases: ['employees', 'сотрудники', 'персонал'],
    external: true,
    stamped: true,
    keys: [['source', 'external_id'], ['email'], ['~name']],
    fields: [
      externalId,
      f('name', 'name', text(300), ['фио', 'сотрудник', 'имя', 'full_name', 'ф.и.о.'], 'full name', true),
      f('email', 'email', { kind: 'email' }, ['e-mail', 'почта', 'эл. почта', 'электронная почта'], 'e-mail; other files refer to staff by it'),
      f('phone', 'phone', { kind: 'phone' }, ['телефон', 'тел'], 'phone, any format; stored as E.164'),
      f('role', 'role', enumOf(STAFF_ROLES, ROLE_ALIASES), ['роль', 'должность', 'position'], 'role in the sales organisation', true),
      f('region', 'region', text(200), ['регион', 'область'], 'region a field rep covers'),
      f('manager', 'manager_id', ref('staff'), ['руководитель', 'начальник'], "the manager's e-mail or name"),
      f('active', 'active', { kind: 'bool' }, ['работает', 'активен'], 'yes/no'),
    ],
  },
  {
    name: 'clients',
    table: 'clients',
    refTarget: 'client',
    aliases: ['client', 'клиенты', 'контрагенты', 'organisations', 'organizations', 'companies'],
    external: true,
    stamped: true,
    keys: [['source', 'external_id'], ['inn', 'kpp'], ['~name', '~city']],
    fields: [
      externalId,
      f('name', 'name', text(500), ['наименование', 'название', 'клиент', 'организация', 'контрагент', 'company', 'company_name'], 'the name as people write it', true),
      f('legal_form', 'legal_form', text(50), ['опф', 'организационно-правовая форма', 'форма'], 'ООО, АО, ПАО, ИП, LLC…'),
      f('client_type', 'client_type', text(100), ['type', 'тип', 'тип клиента', 'вид клиента', 'сегмент', 'segment'], 'client type for reports and mailings', true),
      f('parent', 'parent_id', ref('client'), ['hq', 'головная организация', 'головной офис', 'parent_client', 'родитель'], 'the HQ of a branch: its external id, INN or exact name'),
      f('region', 'region', text(200), ['регион', 'область', 'субъект'], 'region'),
      f('city', 'city', text(200), ['город', 'населенный пункт'], 'city'),
      f('address', 'address', text(1000), ['адрес', 'юридический адрес', 'фактический адрес'], 'address'),
      f('phone', 'phone', { kind: 'phone' }, ['телефон', 'тел', 'тел.'], 'phone, any format; stored as E.164'),
      f('email', 'email', { kind: 'email' }, ['e-mail', 'почта', 'эл. почта', 'электронная почта'], 'e-mail'),
      f('website', 'website', { kind: 'website' }, ['сайт', 'web', 'url', 'www'], 'web site'),
      f('inn', 'inn', { kind: 'inn' }, ['инн', 'tax_id', 'taxpayer_id'], 'ИНН, 10 or 12 digits, checksum verified'),
      f('kpp', 'kpp', { kind: 'kpp' }, ['кпп'], 'КПП, 9 characters'),
      f('status', 'status', enumOf(['prospect', 'active', 'lost'], { потенциальный: 'prospect', потенциальный_клиент: 'prospect', активный: 'active', действующий: 'active', потерян: 'lost', потерянный: 'lost', ушел: 'lost' }), ['статус', 'состояние'], 'prospect, active or lost'),
      f('is_key_account', 'is_key_account', { kind: 'bool' }, ['key_account', 'key', 'ключевой', 'ключевой клиент'], 'yes/no'),
      f('purchase_potential', 'purchase_potential_minor', { kind: 'money' }, ['потенциал', 'потенциал закупок', 'purchase potential'], 'expected purchases per year, rubles'),
      f('partnership', 'partnership', enumOf(['none', 'interested', 'contract', 'strategic'], { нет: 'none', интерес: 'interested', договор: 'contract', стратегическое: 'strategic' }), ['партнерство'], 'stance on a long-term partnership'),
      f('contract_no', 'contract_no', text(100), ['договор', 'номер договора'], 'contract number'),
      f('contract_since', 'contract_since', { kind: 'date' }, ['договор с', 'дата договора'], 'contract start date'),
      f('contract_until', 'contract_until', { kind: 'date' }, ['договор до', 'окончание договора'], 'contract end date'),
      f('mission', 'mission', LONG, ['миссия'], 'the account mission statement'),
      f('manager', 'manager_id', ref('staff'), ['менеджер', 'ответственный', 'account_manager'], "the account manager's e-mail or name"),
      f('lost_date', 'lost_date', { kind: 'date' }, ['дата ухода', 'дата потери'], 'when the client was lost'),
      f('lost_reason', 'lost_reason', text(1000), ['причина ухода', 'причина потери'], 'why the client was lost'),
      f('lost_competitor', 'lost_competitor', text(300), ['конкурент', 'ушел к'], 'the competitor it went to'),
      f('notes', 'notes', LONG, ['примечание', 'комментарий', 'comment'], 'free text'),
    ],
  },
  {
    name: 'contacts',
    table: 'contacts',
    refTarget: 'contact',
    aliases: ['contact', 'контакты', 'контактные лица', 'people'],
    external: true,
    stamped: true,
    keys: [['source', 'external_id'], ['client_id', 'email'], ['client_id', '~full_name']],
    fields: [
      externalId,
      f('client', 'client_id', ref('client'), ['клиент', 'организация', 'компания', 'company', 'контрагент'], "the client's external id, INN or exact name", true),
      f('full_name', 'full_name', text(300), ['name', 'фио', 'ф.и.о.', 'контактное лицо', 'имя'], 'full name', true),
      f('position', 'position', text(300), ['должность', 'title', 'job_title'], 'job title'),
      f('level', 'level', enumOf(['executive', 'manager', 'staff'], { руководитель: 'executive', топ: 'executive', 'топ-менеджер': 'executive', менеджер: 'manager', специалист: 'staff', сотрудник: 'staff' }), ['уровень'], 'executive, manager or staff'),
      f('buying_role', 'buying_role', enumOf(['decision_maker', 'influencer', 'user', 'buyer', 'gatekeeper', 'initiator'], { лпр: 'decision_maker', 'лицо принимающее решение': 'decision_maker', 'влияющий': 'influencer', пользователь: 'user', закупщик: 'buyer', покупатель: 'buyer', привратник: 'gatekeeper', секретарь: 'gatekeeper', инициатор: 'initiator' }), ['роль', 'роль в закупке', 'buying_centre_role', 'role'], 'role in the buying centre'),
      f('is_service_contact', 'is_service_contact', { kind: 'bool' }, ['service_contact', 'контакт по сервису'], 'yes/no: the client’s contact for service'),
      f('phone', 'phone', { kind: 'phone' }, ['телефон', 'тел', 'мобильный'], 'phone, any format; stored as E.164'),
      f('email', 'email', { kind: 'email' }, ['e-mail', 'почта', 'эл. почта', 'электронная почта'], 'e-mail'),
      f('postal_address', 'postal_address', text(1000), ['почтовый адрес', 'адрес'], 'postal address for mailings'),
      f('verified_on', 'verified_on', { kind: 'date' }, ['проверено', 'дата проверки', 'актуализировано'], 'when the details were last confirmed'),
      f('active', 'active', { kind: 'bool' }, ['активен', 'работает'], 'yes/no: still at the client'),
      f('notes', 'notes', LONG, ['примечание', 'комментарий'], 'free text'),
    ],
  },
  {
    name: 'account_team',
    table: 'account_team',
    aliases: ['account-team', 'team', 'teams', 'команда', 'команды'],
    external: false,
    stamped: false,
    keys: [['client_id', 'staff_id', 'role']],
    fields: [
      f('client', 'client_id', ref('client'), ['клиент'], "the client's external id, INN or exact name", true),
      f('staff', 'staff_id', ref('staff'), ['сотрудник', 'member', 'участник'], "the member's e-mail or name", true),
      f('role', 'role', enumOf(TEAM_ROLES, ROLE_ALIASES), ['роль'], 'role on the team', true),
      f('region', 'region', text(200), ['регион'], 'region a field rep covers for this client'),
      f('since', 'since', { kind: 'date' }, ['с', 'с даты'], 'on the team since'),
      f('until', 'until', { kind: 'date' }, ['по', 'до'], 'on the team until'),
    ],
  },
  {
    name: 'products',
    table: 'products',
    refTarget: 'product',
    aliases: ['product', 'товары', 'продукты', 'номенклатура'],
    external: false,
    stamped: true,
    keys: [['code'], ['~name']],
    fields: [
      f('code', 'code', text(100), ['артикул', 'код', 'sku'], 'product code'),
      f('name', 'name', text(500), ['наименование', 'название', 'товар', 'продукт'], 'product name', true),
      f('category', 'category', text(200), ['категория', 'группа'], 'product group'),
      f('unit_price', 'unit_price_minor', { kind: 'money' }, ['цена', 'price'], 'list price, rubles'),
      f('active', 'active', { kind: 'bool' }, ['активен'], 'yes/no'),
    ],
  },
  {
    name: 'promotions',
    table: 'promotions',
    refTarget: 'promotion',
    aliases: ['promotion', 'campaigns', 'акции', 'рекламные акции', 'кампании'],
    external: false,
    stamped: true,
    keys: [['code'], ['~name', 'starts_on']],
    fields: [
      f('code', 'code', text(100), ['код'], 'promotion code; responses refer to it'),
      f('name', 'name', text(500), ['наименование', 'название', 'акция'], 'name', true),
      f('channel', 'channel', enumOf(['mail', 'email', 'phone', 'exhibition', 'seminar', 'advertising', 'web', 'other'], { почта: 'mail', рассылка: 'mail', 'e-mail': 'email', 'эл. почта': 'email', телефон: 'phone', выставка: 'exhibition', семинар: 'seminar', реклама: 'advertising', сайт: 'web', интернет: 'web', другое: 'other' }), ['канал'], 'channel', true),
      f('target_client_type', 'target_client_type', text(100), ['целевой тип', 'тип клиента', 'target'], 'client type it targets'),
      f('starts_on', 'starts_on', { kind: 'date' }, ['начало', 'дата начала', 'start'], 'first day', true),
      f('ends_on', 'ends_on', { kind: 'date' }, ['окончание', 'дата окончания', 'end'], 'last day'),
      f('cost', 'cost_minor', { kind: 'money' }, ['стоимость', 'затраты', 'бюджет', 'budget'], 'cost, rubles'),
      f('notes', 'notes', LONG, ['примечание'], 'free text'),
    ],
  },
  {
    name: 'responses',
    table: 'responses',
    refTarget: 'response',
    aliases: ['response', 'отклики', 'leads'],
    external: true,
    stamped: true,
    keys: [['source', 'external_id'], ['promotion_id', 'responded_on', 'client_id', 'contact_id', '~raw_company', '~raw_name']],
    fields: [
      externalId,
      f('promotion', 'promotion_id', ref('promotion'), ['акция', 'кампания', 'campaign'], 'the promotion code or name', true),
      f('client', 'client_id', ref('client'), ['клиент'], "the client's external id, INN or exact name (if known)"),
      f('contact', 'contact_id', ref('contact'), ['контакт'], "the contact's external id or e-mail (if known)"),
      f('raw_company', 'raw_company', text(500), ['компания', 'организация'], 'company as given, when the client is not in the base'),
      f('raw_name', 'raw_name', text(300), ['фио', 'имя'], 'person as given'),
      f('raw_phone', 'raw_phone', { kind: 'phone' }, ['телефон'], 'phone as given'),
      f('raw_email', 'raw_email', { kind: 'email' }, ['почта', 'e-mail'], 'e-mail as given'),
      f('responded_on', 'responded_on', { kind: 'date' }, ['дата', 'дата отклика', 'date'], 'date of the response', true),
      f('handled_by', 'handled_by_id', ref('staff'), ['обработал', 'ответственный'], 'staff e-mail or name'),
      f('notes', 'notes', LONG, ['примечание', 'комментарий'], 'free text'),
    ],
  },
  {
    name: 'deals',
    table: 'deals',
    refTarget: 'deal',
    aliases: ['deal', 'сделки', 'opportunities'],
    external: true,
    stamped: true,
    keys: [['source', 'external_id'], ['client_id', 'opened_on', 'amount_minor', 'product_id', '~title']],
    fields: [
      externalId,
      f('client', 'client_id', ref('client'), ['клиент'], "the client's external id, INN or exact name", true),
      f('product', 'product_id', ref('product'), ['товар', 'продукт'], 'product code or name'),
      f('owner', 'owner_id', ref('staff'), ['ответственный', 'менеджер'], 'staff e-mail or name'),
      f('title', 'title', text(500), ['название', 'сделка', 'name'], 'what is sold'),
      f('amount', 'amount_minor', { kind: 'money' }, ['сумма', 'стоимость', 'value'], 'amount, rubles (decimal comma or point)', true),
      f('stage', 'stage', enumOf(['open', 'won', 'lost'], { открыта: 'open', 'в работе': 'open', выиграна: 'won', успешно: 'won', закрыта_успешно: 'won', проиграна: 'lost', отказ: 'lost' }), ['стадия', 'этап', 'статус', 'status'], 'open, won or lost'),
      f('opened_on', 'opened_on', { kind: 'date' }, ['дата открытия', 'открыта', 'created'], 'date opened', true),
      f('closed_on', 'closed_on', { kind: 'date' }, ['дата закрытия', 'закрыта', 'closed'], 'date won or lost'),
      f('lost_reason', 'lost_reason', text(1000), ['причина проигрыша', 'причина отказа'], 'why it was lost'),
      f('lost_competitor', 'lost_competitor', text(300), ['конкурент'], 'who won it instead'),
      f('response', 'response_id', ref('response'), ['отклик'], 'the response (external id) that led to it'),
    ],
  },
  {
    name: 'plan_tasks',
    table: 'plan_tasks',
    refTarget: 'plan_task',
    aliases: ['plan', 'plans', 'plan-tasks', 'tasks', 'план', 'задачи'],
    external: true,
    stamped: true,
    keys: [['source', 'external_id'], ['week', 'staff_id', 'client_id', '~task']],
    fields: [
      externalId,
      f('week', 'week', { kind: 'week' }, ['неделя'], 'ISO week, e.g. 2026-W48', true),
      f('staff', 'staff_id', ref('staff'), ['сотрудник', 'исполнитель'], 'staff e-mail or name', true),
      f('client', 'client_id', ref('client'), ['клиент'], "the client's external id, INN or exact name"),
      f('contact', 'contact_id', ref('contact'), ['контакт'], "the contact's external id or e-mail"),
      f('kind', 'kind', enumOf(ACTIVITY_KINDS, KIND_ALIASES), ['вид', 'тип'], 'call, meeting, visit, …'),
      f('task', 'task', text(2000), ['задача', 'описание', 'description'], 'what is to be done', true),
      f('status', 'status', enumOf(['planned', 'done', 'failed', 'cancelled', 'carried'], { запланирована: 'planned', выполнена: 'done', сделано: 'done', неудача: 'failed', 'не удалось': 'failed', отменена: 'cancelled', перенесена: 'carried' }), ['статус'], 'planned, done, failed, cancelled or carried'),
      f('outcome_note', 'outcome_note', LONG, ['результат', 'итог', 'outcome'], 'what came of it'),
      f('completed_on', 'completed_on', { kind: 'date' }, ['дата выполнения', 'выполнено'], 'when it was done or failed'),
      f('carried_from', 'carried_from_id', ref('plan_task'), ['перенесена из'], 'external id of the task it was carried from'),
      f('carry_count', 'carry_count', { kind: 'int', min: 0, max: 1000 }, ['переносов'], 'how many times it was carried'),
    ],
  },
  {
    name: 'activities',
    table: 'activities',
    aliases: ['activity', 'активности', 'контакты с клиентами', 'история', 'events'],
    external: true,
    stamped: true,
    keys: [['source', 'external_id'], ['client_id', 'occurred_at', 'staff_id', 'kind', '~subject']],
    fields: [
      externalId,
      f('client', 'client_id', ref('client'), ['клиент'], "the client's external id, INN or exact name", true),
      f('contact', 'contact_id', ref('contact'), ['контакт', 'контактное лицо'], "the contact's external id or e-mail"),
      f('staff', 'staff_id', ref('staff'), ['сотрудник', 'менеджер', 'ответственный'], 'staff e-mail or name', true),
      f('kind', 'kind', enumOf(ACTIVITY_KINDS, KIND_ALIASES), ['вид', 'тип', 'type'], 'call, meeting, visit, email, letter, presentation, top_to_top, service, proposal, other', true),
      f('occurred_at', 'occurred_at', { kind: 'datetime' }, ['дата', 'дата и время', 'date', 'when'], 'date, with an optional time', true),
      f('outcome', 'outcome', enumOf(['success', 'neutral', 'failure', 'no_answer'], { успех: 'success', успешно: 'success', нейтрально: 'neutral', неудача: 'failure', 'нет ответа': 'no_answer', 'не дозвонился': 'no_answer' }), ['результат', 'итог'], 'success, neutral, failure or no_answer'),
      f('subject', 'subject', text(1000), ['тема'], 'subject'),
      f('notes', 'notes', LONG, ['примечание', 'комментарий', 'описание'], 'free text'),
      f('plan_task', 'plan_task_id', ref('plan_task'), ['задача плана', 'задача'], 'external id of the plan task it fulfils'),
      f('response', 'response_id', ref('response'), ['отклик'], 'external id of the response it follows up'),
      f('deal', 'deal_id', ref('deal'), ['сделка'], 'external id of the deal it belongs to'),
    ],
  },
  {
    name: 'goals',
    table: 'goals',
    aliases: ['goal', 'цели'],
    external: true,
    stamped: true,
    keys: [['source', 'external_id'], ['client_id', '~goal']],
    fields: [
      externalId,
      f('client', 'client_id', ref('client'), ['клиент'], "the client's external id, INN or exact name", true),
      f('goal', 'goal', text(2000), ['цель'], 'the goal', true),
      f('target_value', 'target_value', text(100), ['целевое значение', 'target'], 'a measurable target, e.g. 12000000'),
      f('target_unit', 'target_unit', text(50), ['единица'], 'its unit, e.g. RUB, %'),
      f('set_on', 'set_on', { kind: 'date' }, ['поставлена'], 'when it was set'),
      f('due_on', 'due_on', { kind: 'date' }, ['срок', 'due'], 'due date'),
      f('status', 'status', enumOf(['open', 'met', 'missed', 'dropped'], { открыта: 'open', достигнута: 'met', 'не достигнута': 'missed', снята: 'dropped' }), ['статус'], 'open, met, missed or dropped'),
      f('owner', 'owner_id', ref('staff'), ['ответственный'], 'staff e-mail or name'),
    ],
  },
  {
    name: 'assessments',
    table: 'assessments',
    aliases: ['assessment', 'оценки', 'самооценка'],
    external: false,
    stamped: false,
    keys: [['client_id', 'criterion', 'assessed_on', 'assessor_id']],
    fields: [
      f('client', 'client_id', ref('client'), ['клиент'], "the client's external id, INN or exact name", true),
      f('criterion', 'criterion', { kind: 'int', min: 1, max: 6 }, ['условие', 'критерий', 'condition'], 'Hise & Reid condition 1–6', true),
      f('rating', 'rating', { kind: 'int', min: 1, max: 5 }, ['оценка', 'балл', 'score'], '1–5', true),
      f('note', 'note', LONG, ['комментарий', 'примечание'], 'free text'),
      f('assessor', 'assessor_id', ref('staff'), ['оценщик', 'менеджер'], 'staff e-mail or name'),
      f('assessed_on', 'assessed_on', { kind: 'date' }, ['дата', 'date'], 'date of the assessment', true),
    ],
  },
];

/** Finds an entity by its name or an alias ('client', 'клиенты', 'account-team'…). */
export function findEntity(name: string): EntitySpec | undefined {
  const n = name.trim().toLowerCase().replace(/-/g, '_');
  return ENTITIES.find((e) => e.name === n || e.aliases.some((a) => a.toLowerCase().replace(/-/g, '_') === n));
}

/** One line per type: how a value of it is written in a file. */
export function describeType(t: FieldType): string {
  switch (t.kind) {
    case 'text':
      return `text${t.max ? ` (up to ${t.max} characters)` : ''}`;
    case 'enum':
      return `one of: ${t.values.join(', ')}`;
    case 'date':
      return 'date: YYYY-MM-DD or DD.MM.YYYY';
    case 'datetime':
      return 'date and optional time: YYYY-MM-DD HH:MM or DD.MM.YYYY HH:MM';
    case 'money':
      return 'rubles: 1234.50, 1 234,50';
    case 'int':
      return `whole number ${t.min}–${t.max}`;
    case 'bool':
      return 'yes/no (да/нет, true/false, 1/0)';
    case 'phone':
      return 'phone, any format (stored as +7…)';
    case 'email':
      return 'e-mail';
    case 'inn':
      return 'INN: 10 or 12 digits with a valid checksum';
    case 'kpp':
      return 'KPP: 9 characters';
    case 'website':
      return 'web address';
    case 'week':
      return 'ISO week: 2026-W48';
    case 'ref':
      return `reference to a ${t.target.replace('_', ' ')}`;
  }
}

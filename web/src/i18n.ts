// Every label of the interface, in English and Chinese. English is the reference: a key missing
// from the Chinese table is a type error. The choice persists in localStorage; the first visit
// follows the browser's language.

import { createContext, createElement, useCallback, useContext, useMemo, useState, type ReactNode } from 'react';

const en = {
  'app.title': 'HeatSCADA',
  'nav.overview': 'Overview',
  'nav.history': 'History',
  'lang.switch': '中文',
  'conn.lost': 'Connection to the server lost since {time} — reconnecting…',
  'status.online': 'online',
  'status.offline': 'offline',
  'status.stale': 'stale',
  'status.alarm': 'alarm',
  'totals.substations': 'Substations',
  'totals.heatPower': 'Heat power',
  'totals.outdoor': 'Outdoor',
  'overview.search': 'Search substation…',
  'overview.filter.offline': 'Offline',
  'overview.filter.alarm': 'In alarm',
  'overview.filter.cold': 'Cold homes (< 18 °C)',
  'overview.shown': '{n} of {total} shown',
  'overview.empty': 'No substation matches.',
  'overview.waiting': 'Waiting for live data…',
  'col.substation': 'Substation',
  'col.status': 'Status',
  'col.t1': 'Primary S / R',
  'col.t2': 'Secondary S / R',
  'col.dt': 'ΔT prim. / sec.',
  'col.heat': 'Heat power',
  'col.makeup': 'Make-up',
  'col.indoorMin': 'Indoor min',
  'col.tag': 'Tag',
  'col.value': 'Value',
  'col.age': 'Age',
  'age.seconds': '{n} s ago',
  'age.minutes': '{n} min ago',
  'age.hours': '{n} h ago',
  'age.days': '{n} d ago',
  'sub.back': '← Overview',
  'sub.lastData': 'last data {age}',
  'sub.notFound': 'Substation {id} not found.',
  'sub.tags': 'All tags',
  'sub.trend': 'Trend',
  'sub.openHistory': 'Open in History',
  'mimic.primary': 'Primary network',
  'mimic.secondary': 'Secondary loop',
  'mimic.hx': 'Plate heat exchanger',
  'mimic.valve': 'Control valve',
  'mimic.pump': 'Circulation pump',
  'mimic.buildings': 'Buildings',
  'mimic.makeup': 'Make-up',
  'mimic.filter': 'Filter',
  'pump.running': 'running',
  'pump.stopped': 'stopped',
  'pump.fault': 'fault',
  'trend.export': 'Export CSV',
  'trend.loading': 'Loading…',
  'trend.noSeries': 'Choose tags to plot.',
  'trend.noData': 'No data in this range.',
  'trend.error': 'Could not load history: {message}',
  'range.1h': '1 h',
  'range.6h': '6 h',
  'range.24h': '24 h',
  'range.7d': '7 d',
  'range.30d': '30 d',
  'range.season': 'Season',
  'history.title': 'History',
  'history.substation': 'Substation',
  'history.tag': 'Tag',
  'history.add': 'Add',
  'history.remove': 'Remove {name}',
  'bool.true': 'on',
  'bool.false': 'off',
  'tag.primary.supply_temp': 'Primary supply temp.',
  'tag.primary.return_temp': 'Primary return temp.',
  'tag.primary.supply_pressure': 'Primary supply pressure',
  'tag.primary.return_pressure': 'Primary return pressure',
  'tag.primary.flow': 'Primary flow',
  'tag.primary.valve_position': 'Valve position',
  'tag.secondary.supply_temp': 'Secondary supply temp.',
  'tag.secondary.return_temp': 'Secondary return temp.',
  'tag.secondary.supply_pressure': 'Secondary supply pressure',
  'tag.secondary.return_pressure': 'Secondary return pressure',
  'tag.secondary.flow': 'Secondary flow',
  'tag.pump.frequency': 'Pump frequency',
  'tag.makeup.flow': 'Make-up flow',
  'tag.makeup.tank_level': 'Make-up tank level',
  'tag.filter.dp': 'Filter pressure drop',
  'tag.heat.power': 'Heat power',
  'tag.heat.energy': 'Heat energy',
  'tag.indoor.temp_avg': 'Indoor temp. (avg)',
  'tag.indoor.temp_min': 'Indoor temp. (min)',
  'tag.outdoor.temp': 'Outdoor temp.',
  'tag.pump.running': 'Pump running',
  'tag.pump.fault': 'Pump fault',
  'tag.makeup.running': 'Make-up pump running',
  'tag.power.ok': 'Mains power',
  'tag.plc.heartbeat': 'PLC heartbeat',
  'tag.control.mode': 'Control mode',
  'tag.primary.valve_setpoint': 'Valve setpoint',
  'tag.secondary.supply_temp_setpoint': 'Secondary supply setpoint',
  'tag.pump.frequency_setpoint': 'Pump frequency setpoint',
  'tag.control.mode_setpoint': 'Control mode setpoint',
};

export type MessageKey = keyof typeof en;

const zh: Record<MessageKey, string> = {
  'app.title': 'HeatSCADA 热网监控',
  'nav.overview': '总览',
  'nav.history': '历史曲线',
  'lang.switch': 'English',
  'conn.lost': '与服务器的连接已于 {time} 断开，正在重连…',
  'status.online': '在线',
  'status.offline': '离线',
  'status.stale': '数据陈旧',
  'status.alarm': '报警',
  'totals.substations': '换热站',
  'totals.heatPower': '总热功率',
  'totals.outdoor': '室外温度',
  'overview.search': '搜索换热站…',
  'overview.filter.offline': '离线',
  'overview.filter.alarm': '报警中',
  'overview.filter.cold': '室温不达标（< 18 °C）',
  'overview.shown': '显示 {n} / {total}',
  'overview.empty': '没有符合条件的换热站。',
  'overview.waiting': '等待实时数据…',
  'col.substation': '换热站',
  'col.status': '状态',
  'col.t1': '一次供 / 回',
  'col.t2': '二次供 / 回',
  'col.dt': '温差 一次 / 二次',
  'col.heat': '热功率',
  'col.makeup': '补水量',
  'col.indoorMin': '最低室温',
  'col.tag': '测点',
  'col.value': '数值',
  'col.age': '时效',
  'age.seconds': '{n} 秒前',
  'age.minutes': '{n} 分钟前',
  'age.hours': '{n} 小时前',
  'age.days': '{n} 天前',
  'sub.back': '← 总览',
  'sub.lastData': '最后数据 {age}',
  'sub.notFound': '未找到换热站 {id}。',
  'sub.tags': '全部测点',
  'sub.trend': '趋势',
  'sub.openHistory': '在历史曲线中打开',
  'mimic.primary': '一次网',
  'mimic.secondary': '二次网',
  'mimic.hx': '板式换热器',
  'mimic.valve': '电动调节阀',
  'mimic.pump': '循环泵',
  'mimic.buildings': '热用户',
  'mimic.makeup': '补水',
  'mimic.filter': '除污器',
  'pump.running': '运行',
  'pump.stopped': '停止',
  'pump.fault': '故障',
  'trend.export': '导出 CSV',
  'trend.loading': '加载中…',
  'trend.noSeries': '请选择要绘制的测点。',
  'trend.noData': '该时间段内没有数据。',
  'trend.error': '历史数据加载失败：{message}',
  'range.1h': '1 小时',
  'range.6h': '6 小时',
  'range.24h': '24 小时',
  'range.7d': '7 天',
  'range.30d': '30 天',
  'range.season': '整个采暖季',
  'history.title': '历史曲线',
  'history.substation': '换热站',
  'history.tag': '测点',
  'history.add': '添加',
  'history.remove': '移除 {name}',
  'bool.true': '是',
  'bool.false': '否',
  'tag.primary.supply_temp': '一次供水温度',
  'tag.primary.return_temp': '一次回水温度',
  'tag.primary.supply_pressure': '一次供水压力',
  'tag.primary.return_pressure': '一次回水压力',
  'tag.primary.flow': '一次流量',
  'tag.primary.valve_position': '调节阀开度',
  'tag.secondary.supply_temp': '二次供水温度',
  'tag.secondary.return_temp': '二次回水温度',
  'tag.secondary.supply_pressure': '二次供水压力',
  'tag.secondary.return_pressure': '二次回水压力',
  'tag.secondary.flow': '二次流量',
  'tag.pump.frequency': '循环泵频率',
  'tag.makeup.flow': '补水流量',
  'tag.makeup.tank_level': '补水箱液位',
  'tag.filter.dp': '除污器压差',
  'tag.heat.power': '热功率',
  'tag.heat.energy': '累计热量',
  'tag.indoor.temp_avg': '平均室温',
  'tag.indoor.temp_min': '最低室温',
  'tag.outdoor.temp': '室外温度',
  'tag.pump.running': '循环泵运行',
  'tag.pump.fault': '循环泵故障',
  'tag.makeup.running': '补水泵运行',
  'tag.power.ok': '市电正常',
  'tag.plc.heartbeat': 'PLC 心跳',
  'tag.control.mode': '控制模式',
  'tag.primary.valve_setpoint': '阀门开度设定',
  'tag.secondary.supply_temp_setpoint': '二次供水温度设定',
  'tag.pump.frequency_setpoint': '循环泵频率设定',
  'tag.control.mode_setpoint': '控制模式设定',
};

export type Lang = 'en' | 'zh';
const DICTIONARIES: Record<Lang, Record<MessageKey, string>> = { en, zh };
const STORAGE_KEY = 'heatscada.lang';

function initialLang(): Lang {
  const saved = localStorage.getItem(STORAGE_KEY);
  if (saved === 'en' || saved === 'zh') return saved;
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export interface I18n {
  lang: Lang;
  setLang: (lang: Lang) => void;
  t: Translate;
  /** A tag's label; tags outside the catalogue show their name. */
  tagLabel: (tag: string) => string;
}

const I18nContext = createContext<I18n | null>(null);

export function I18nProvider({ children }: { children: ReactNode }) {
  const [lang, setLangState] = useState<Lang>(initialLang);
  const setLang = useCallback((next: Lang) => {
    localStorage.setItem(STORAGE_KEY, next);
    setLangState(next);
  }, []);
  const value = useMemo<I18n>(() => {
    const dict = DICTIONARIES[lang];
    const t: Translate = (key, vars) => dict[key].replace(/\{(\w+)\}/g, (_, name: string) => String(vars?.[name] ?? `{${name}}`));
    const tagLabel = (tag: string) => {
      const key = `tag.${tag}`;
      return key in dict ? dict[key as MessageKey] : tag;
    };
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    return { lang, setLang, t, tagLabel };
  }, [lang, setLang]);
  return createElement(I18nContext.Provider, { value }, children);
}

export function useI18n(): I18n {
  const ctx = useContext(I18nContext);
  if (!ctx) throw new Error('useI18n outside I18nProvider');
  return ctx;
}

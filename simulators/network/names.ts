import type { PlaceName } from '../../model/topology.ts';
import type { Random } from './random.ts';

// Names for a generated city, as a northern Chinese city names its substations: after the
// housing estate they heat (阳光花园二期换热站) or the school or hospital on the plot
// (实验中学换热站), grouped by district. Built from seeded parts, unique within a city.

type Part = readonly [zh: string, en: string];

/** Shenyang's districts, where the generated city stands by default. */
const DISTRICTS: readonly Part[] = [
  ['和平区', 'Heping District'], ['沈河区', 'Shenhe District'], ['皇姑区', 'Huanggu District'], ['大东区', 'Dadong District'],
  ['铁西区', 'Tiexi District'], ['浑南区', 'Hunnan District'], ['于洪区', 'Yuhong District'], ['沈北新区', 'Shenbei New District'],
];

const ESTATE_FIRST: readonly Part[] = [
  ['阳光', 'Yangguang'], ['锦绣', 'Jinxiu'], ['幸福', 'Xingfu'], ['翠湖', 'Cuihu'], ['金色', 'Jinse'], ['东方', 'Dongfang'],
  ['长安', 'Chang’an'], ['世纪', 'Shiji'], ['新华', 'Xinhua'], ['光明', 'Guangming'], ['和谐', 'Hexie'], ['龙湖', 'Longhu'],
  ['碧水', 'Bishui'], ['春天', 'Chuntian'], ['盛世', 'Shengshi'], ['滨河', 'Binhe'], ['泰山', 'Taishan'], ['蓝天', 'Lantian'],
  ['枫林', 'Fenglin'], ['雅居', 'Yaju'], ['华府', 'Huafu'], ['丽都', 'Lidu'], ['紫荆', 'Zijing'], ['银河', 'Yinhe'],
  ['富民', 'Fumin'], ['兴隆', 'Xinglong'], ['万达', 'Wanda'], ['北陵', 'Beiling'], ['南湖', 'Nanhu'], ['浑河', 'Hunhe'],
  ['青年', 'Qingnian'], ['友谊', 'Youyi'], ['胜利', 'Shengli'], ['建设', 'Jianshe'], ['文化', 'Wenhua'], ['百合', 'Baihe'],
];

const ESTATE_KIND: readonly Part[] = [
  ['花园', 'Garden'], ['家园', 'Homes'], ['小区', 'Estate'], ['新城', 'New Town'], ['名苑', 'Court'], ['嘉园', 'Gardens'],
  ['公寓', 'Apartments'], ['佳苑', 'Residences'], ['新村', 'Village'], ['丽景', 'View'], ['华庭', 'Terrace'], ['府邸', 'Mansions'],
];

/** Plots named after what stands on them; each at most once a district. */
const INSTITUTIONS: readonly Part[] = [
  ['实验中学', 'Shiyan Middle School'], ['第一中学', 'No. 1 Middle School'], ['实验小学', 'Shiyan Primary School'],
  ['人民医院', 'People’s Hospital'], ['中医院', 'Hospital of Chinese Medicine'], ['师范大学', 'Normal University'],
  ['体育中心', 'Sports Centre'], ['区政府', 'District Government'], ['图书馆', 'Library'], ['火车站', 'Railway Station'],
];

const PHASES_ZH = ['一', '二', '三', '四', '五', '六', '七', '八', '九'];
const INSTITUTION_SHARE = 0.08;

export interface SubstationNames {
  name: string;
  name_en: string;
  community: PlaceName;
  area: PlaceName;
}

const place = ([zh, en]: Part): PlaceName => ({ zh, en });
const pick = <T>(rnd: Random, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

/**
 * Names for substations standing in the given districts (an index into the district list per
 * substation, e.g. its trunk main). Estates that several substations heat number them as phases
 * (一期, 二期 …; past nine, 10号 …), so every name is unique.
 */
export function substationNames(districtOf: readonly number[], rnd: Random): SubstationNames[] {
  const drafts = districtOf.map((d) => {
    const area = DISTRICTS[d % DISTRICTS.length];
    const institution = rnd() < INSTITUTION_SHARE ? pick(rnd, INSTITUTIONS) : undefined;
    const first = pick(rnd, ESTATE_FIRST);
    const kind = pick(rnd, ESTATE_KIND);
    const estate: Part = [first[0] + kind[0], `${first[1]} ${kind[1]}`];
    return { area, institution, estate };
  });
  // A school or hospital names a plot once in its district; further draws heat an estate.
  const institutionsTaken = new Set<string>();
  const communities = drafts.map(({ area, institution, estate }): Part => {
    if (!institution) return estate;
    const key = area[0] + institution[0];
    if (institutionsTaken.has(key)) return estate;
    institutionsTaken.add(key);
    return [area[0].replace(/新?区$/, '') + institution[0], `${area[1].replace(/ (New )?District$/, '')} ${institution[1]}`];
  });
  const count = new Map<string, number>();
  for (const c of communities) count.set(c[0], (count.get(c[0]) ?? 0) + 1);
  const seen = new Map<string, number>();
  return communities.map((community, i) => {
    const k = seen.get(community[0]) ?? 0;
    seen.set(community[0], k + 1);
    const shared = (count.get(community[0]) ?? 1) > 1;
    const phase: Part = !shared ? ['', ''] : k < PHASES_ZH.length ? [`${PHASES_ZH[k]}期`, ` Phase ${k + 1}`] : [`${k + 1}号`, ` No. ${k + 1}`];
    return {
      name: `${community[0]}${phase[0]}换热站`,
      name_en: `${community[1]}${phase[1]} Substation`,
      community: place(community),
      area: place(drafts[i].area),
    };
  });
}

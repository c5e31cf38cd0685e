// Sky states: AEMET's codes and descriptions are the common vocabulary; Open-Meteo's WMO
// weather codes are mapped onto the nearest AEMET code so the site needs one icon set.

/** AEMET sky codes (without the "n" night suffix) and their Spanish descriptions. */
export const aemetSkyDescriptions: Readonly<Record<string, string>> = {
  '11': 'Despejado',
  '12': 'Poco nuboso',
  '13': 'Intervalos nubosos',
  '14': 'Nuboso',
  '15': 'Muy nuboso',
  '16': 'Cubierto',
  '17': 'Nubes altas',
  '23': 'Intervalos nubosos con lluvia',
  '24': 'Nuboso con lluvia',
  '25': 'Muy nuboso con lluvia',
  '26': 'Cubierto con lluvia',
  '33': 'Intervalos nubosos con nieve',
  '34': 'Nuboso con nieve',
  '35': 'Muy nuboso con nieve',
  '36': 'Cubierto con nieve',
  '43': 'Intervalos nubosos con lluvia escasa',
  '44': 'Nuboso con lluvia escasa',
  '45': 'Muy nuboso con lluvia escasa',
  '46': 'Cubierto con lluvia escasa',
  '51': 'Intervalos nubosos con tormenta',
  '52': 'Nuboso con tormenta',
  '53': 'Muy nuboso con tormenta',
  '54': 'Cubierto con tormenta',
  '61': 'Intervalos nubosos con tormenta y lluvia escasa',
  '62': 'Nuboso con tormenta y lluvia escasa',
  '63': 'Muy nuboso con tormenta y lluvia escasa',
  '64': 'Cubierto con tormenta y lluvia escasa',
  '71': 'Intervalos nubosos con nieve escasa',
  '72': 'Nuboso con nieve escasa',
  '73': 'Muy nuboso con nieve escasa',
  '74': 'Cubierto con nieve escasa',
  '81': 'Niebla',
  '82': 'Bruma',
  '83': 'Calima',
};

/** WMO weather interpretation codes (Open-Meteo `weather_code`) → AEMET sky code. */
const wmoToAemet: ReadonlyArray<readonly [readonly number[], string]> = [
  [[0], '11'],
  [[1], '12'],
  [[2], '14'],
  [[3], '16'],
  [[45, 48], '81'],
  [[51, 53, 55, 56, 57], '44'],
  [[61, 80], '24'],
  [[63, 65, 66, 67, 81, 82], '26'],
  [[71, 77, 85], '72'],
  [[73, 75, 86], '36'],
  [[95], '52'],
  [[96, 99], '54'],
];

/** Map a WMO weather code to an AEMET sky code; null for a code WMO does not define. */
export function skyCodeFromWmo(wmo: number): string | null {
  for (const [codes, aemet] of wmoToAemet) if (codes.includes(wmo)) return aemet;
  return null;
}

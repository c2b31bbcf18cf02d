import { describeProtocolServers } from './helpers/protocol-suite.ts';
import { TablePlc } from './helpers/table-plc.ts';

describeProtocolServers('TablePlc', () => {
  const plc = new TablePlc(['S001', 'S002', 'S003']);
  // Values that exercise the encodings: a negative int16, a uint32 beyond 16 bits, mixed bits.
  for (const sub of plc.substationIds) {
    plc.set(sub, 'outdoor.temp', -17.3);
    plc.set(sub, 'indoor.temp_min', -2.5);
    plc.set(sub, 'heat.energy', 123456.7);
    plc.set(sub, 'pump.running', true);
    plc.set(sub, 'power.ok', true);
  }
  return { plc, setAnswering: (sub, answers) => plc.setAnswering(sub, answers) };
});

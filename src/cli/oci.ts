// `oci client-access|deactivate-app|deactivate-domain`: the calls the stack's provisioners make; the command group
// and its flag checks live in src/commands/oci.ts, which loads Oracle's SDK only when a command runs.
export { addOciCommands as registerOci } from "../commands/oci";

// A second process writing the IAM twin's state file: it tags the Default domain `count` times, each tag in its
// own locked update, so a test can check that concurrent writers lose nothing. Arguments: <twin dir> <count>.
import { StateStore } from "../../twin/iam/store";

const [dir, count] = process.argv.slice(2);
const store = new StateStore(dir as string);
for (let index = 0; index < Number(count); index++) {
  store.update((state) => {
    const domain = Object.values(state.domains).find((candidate) => candidate.type === "DEFAULT");
    if (domain) domain.freeformTags[`child-${index}`] = "x";
  });
}

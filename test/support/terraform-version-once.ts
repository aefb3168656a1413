// Runs cdktf's "is terraform new enough" validation once per version rule, PATH and test file instead of once per
// resource and synth. It does not skip the check: the first call per key runs the real `terraform version`.
//
// Why: every terraform_data resource adds cdktf's ValidateTerraformVersion (node_modules/cdktf/lib/
// terraform-data-resource.js), which execSyncs `terraform version` each time a stack is validated. The example
// stack holds three, so each synth in a test paid three terraform start-ups, most of its time. The answer depends
// only on the binary the PATH finds and the version rule, both part of the key, so a cached answer is the answer.
import { ValidateBinaryVersion } from "cdktf/lib/validations/validate-binary-version";

interface VersionRule {
  readonly versionCommand: string;
  readonly versionConstraint: string;
  readonly hint?: string;
}

const answers = new Map<string, string[]>();
const validate = ValidateBinaryVersion.prototype.validate;

ValidateBinaryVersion.prototype.validate = function validateOnce(this: ValidateBinaryVersion): string[] {
  const rule = this as unknown as VersionRule;
  const key = JSON.stringify([rule.versionCommand, rule.versionConstraint, rule.hint, process.env.PATH]);
  let answer = answers.get(key);
  if (answer === undefined) {
    answer = validate.call(this);
    answers.set(key, answer);
  }
  return [...answer];
};

import { readdirSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

/** Where an error code was found. */
export interface CodeSite {
  code: string;
  file: string;
  line: number;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "generated" ? [] : sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

const stringValue = (node: ts.Node | undefined): string | undefined =>
  node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) ? node.text : undefined;

/**
 * Every error code the Worker's source can answer with, found in the code rather than listed by hand:
 * - a string literal passed for a parameter named `code` (`errorBody(message, type, code)`, `invalidRequest`,
 *   `api.error(status, message, type, code)` and any helper that takes a `code`), resolved with the type checker;
 * - a `code` property beside a `type` in an object literal (an error object written out, e.g. a stream's error
 *   frame), and an `error_code` property (Anthropic's `details`);
 * - the default of a parameter named `code` (`failure(message, usage, code = "malformed_upstream_stream")`).
 * Codes computed at run time (a rule's id, an upstream's own code) are not literals and are not listed.
 */
export function errorCodesIn(srcDir: string): CodeSite[] {
  const files = sourceFiles(srcDir);
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2023,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    noEmit: true,
    skipLibCheck: true,
    resolveJsonModule: true,
    types: [],
  });
  const checker = program.getTypeChecker();
  const sites: CodeSite[] = [];
  for (const file of program.getSourceFiles()) {
    if (!files.includes(file.fileName)) continue;
    const add = (code: string, node: ts.Node) =>
      sites.push({ code, file: file.fileName, line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const signature = checker.getResolvedSignature(node);
        signature?.getParameters().forEach((parameter, i) => {
          const code = parameter.name === "code" ? stringValue(node.arguments[i]) : undefined;
          if (code !== undefined) add(code, node.arguments[i]!);
        });
      }
      if (ts.isParameter(node) && ts.isIdentifier(node.name) && node.name.text === "code") {
        const code = stringValue(node.initializer);
        if (code !== undefined) add(code, node);
      }
      if (ts.isObjectLiteralExpression(node)) {
        const property = (name: string) =>
          node.properties.find(
            (p): p is ts.PropertyAssignment =>
              ts.isPropertyAssignment(p) &&
              (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) &&
              p.name.text === name,
          );
        const hasType = node.properties.some((p) => p.name && ts.isIdentifier(p.name) && p.name.text === "type");
        const code = hasType ? stringValue(property("code")?.initializer) : undefined;
        if (code !== undefined) add(code, node);
        const anthropic = stringValue(property("error_code")?.initializer);
        if (anthropic !== undefined) add(anthropic, node);
      }
      ts.forEachChild(node, visit);
    };
    visit(file);
  }
  return sites;
}

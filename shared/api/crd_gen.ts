/**
 * Generates the CustomResourceDefinitions of `Sandbox` and `SandboxSet` from the schema constants
 * of the models, so the chart's CRDs and the TypeScript types have one source. Run it after
 * changing a model:
 *
 * ```sh
 * deno run --allow-read --allow-write shared/api/crd_gen.ts
 * ```
 *
 * It writes `charts/kruise-agents/crds/agents.kruise.io_{sandboxes,sandboxsets}.yaml` (the file
 * names controller-gen gives them in the reference). `crd_gen_test.ts` fails when the committed
 * files differ from what this module renders.
 *
 * @module
 */
import { stringify } from "yaml";
import { GROUP, VERSION } from "./meta.ts";
import type { JsonSchemaProps } from "./openapi.ts";
export type { JsonSchemaProps } from "./openapi.ts";
import { SANDBOX_KIND } from "./sandbox.ts";
import { SANDBOX_SCHEMA } from "./sandbox_schema.ts";
import { SANDBOX_SET_KIND, SANDBOX_SET_SCHEMA } from "./sandbox_set.ts";

/** A printer column of `kubectl get`. */
export interface PrinterColumn {
  /** Column header (kubectl upper-cases it). */
  name: string;
  /** Value type; `date` prints as an age. */
  type: "string" | "integer" | "number" | "boolean" | "date";
  /** Simple JSONPath into the object, e.g. `.status.phase`. */
  jsonPath: string;
  /** Shown to users by `kubectl explain`-like tools. */
  description?: string;
  /** 0 = always shown, > 0 = only with `-o wide`. */
  priority?: number;
}

/** The parts of an `apiextensions.k8s.io/v1` CustomResourceDefinition we generate. */
export interface CustomResourceDefinition {
  /** Always `apiextensions.k8s.io/v1`. */
  apiVersion: "apiextensions.k8s.io/v1";
  /** Always `CustomResourceDefinition`. */
  kind: "CustomResourceDefinition";
  /** `<plural>.<group>`. */
  metadata: { name: string };
  /** Names, scope and the single version. */
  spec: {
    group: string;
    names: {
      kind: string;
      listKind: string;
      plural: string;
      singular: string;
      shortNames: string[];
      categories: string[];
    };
    scope: "Namespaced";
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      schema: { openAPIV3Schema: JsonSchemaProps };
      subresources: {
        status: Record<string, never>;
        scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath: string };
      };
      additionalPrinterColumns: PrinterColumn[];
    }[];
  };
}

/**
 * `kubectl get kruise-agents` lists both kinds. The reference declares no category; adding one
 * changes nothing for its manifests.
 */
export const CATEGORIES: readonly string[] = ["kruise-agents"];

const AGE: PrinterColumn = { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" };

type CrdVersion = CustomResourceDefinition["spec"]["versions"][number];

/** What differs between our two CRDs; everything else is the same for both. */
interface CrdShape {
  kind: string;
  plural: string;
  singular: string;
  shortName: string;
  schema: JsonSchemaProps;
  subresources: CrdVersion["subresources"];
  columns: PrinterColumn[];
}

/** A namespaced CRD of our group with one served and stored version. */
function namespacedCrd(shape: CrdShape): CustomResourceDefinition {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${shape.plural}.${GROUP}` },
    spec: {
      group: GROUP,
      names: {
        kind: shape.kind,
        listKind: `${shape.kind}List`,
        plural: shape.plural,
        singular: shape.singular,
        shortNames: [shape.shortName],
        categories: [...CATEGORIES],
      },
      scope: "Namespaced",
      versions: [{
        name: VERSION,
        served: true,
        storage: true,
        schema: { openAPIV3Schema: shape.schema },
        subresources: shape.subresources,
        additionalPrinterColumns: shape.columns,
      }],
    },
  };
}

/** The Sandbox CRD: status subresource, short name `sbx`, the reference's printer columns. */
export function sandboxCrd(): CustomResourceDefinition {
  return namespacedCrd({
    kind: SANDBOX_KIND,
    plural: "sandboxes",
    singular: "sandbox",
    shortName: "sbx",
    schema: SANDBOX_SCHEMA,
    subresources: { status: {} },
    columns: [
      { name: "Status", type: "string", jsonPath: ".status.phase" },
      AGE,
      {
        name: "Claimed",
        type: "string",
        jsonPath: ".metadata.labels.agents\\.kruise\\.io/sandbox-claimed",
      },
      { name: "shutdown_time", type: "string", jsonPath: ".spec.shutdownTime" },
      { name: "pause_time", type: "string", jsonPath: ".spec.pauseTime" },
      { name: "RecycledCount", type: "integer", jsonPath: ".status.recycledCount" },
      { name: "Message", type: "string", jsonPath: ".status.message" },
    ],
  });
}

/**
 * The SandboxSet CRD: status subresource, scale subresource (so `kubectl scale` and autoscalers
 * change `spec.replicas` without a full update), short name `sbs`, the reference's printer columns.
 */
export function sandboxSetCrd(): CustomResourceDefinition {
  return namespacedCrd({
    kind: SANDBOX_SET_KIND,
    plural: "sandboxsets",
    singular: "sandboxset",
    shortName: "sbs",
    schema: SANDBOX_SET_SCHEMA,
    subresources: {
      status: {},
      scale: {
        specReplicasPath: ".spec.replicas",
        statusReplicasPath: ".status.replicas",
        labelSelectorPath: ".status.selector",
      },
    },
    columns: [
      { name: "Replicas", type: "integer", jsonPath: ".status.replicas" },
      { name: "Available", type: "integer", jsonPath: ".status.availableReplicas" },
      { name: "UpdatedReplicas", type: "integer", jsonPath: ".status.updatedReplicas" },
      {
        name: "UpdatedAvailableReplicas",
        type: "integer",
        jsonPath: ".status.updatedAvailableReplicas",
      },
      { name: "UpdateRevision", type: "string", jsonPath: ".status.updateRevision" },
      AGE,
    ],
  });
}

/** Where the chart keeps its CRDs, relative to the repository root. */
export const CRD_DIR = "charts/kruise-agents/crds";

const HEADER =
  "# Generated by shared/api/crd_gen.ts from the models in shared/api; do not edit.\n" +
  "# Regenerate: deno run --allow-read --allow-write shared/api/crd_gen.ts\n";

/** Renders a CRD as the YAML text committed to the chart. */
export function renderCrd(crd: CustomResourceDefinition): string {
  return HEADER + stringify(crd, { lineWidth: 0 });
}

/** Every generated file: path relative to the repository root -> YAML text. */
export function renderCrdFiles(): Map<string, string> {
  return new Map(
    [sandboxCrd(), sandboxSetCrd()].map((crd) => [
      `${CRD_DIR}/${crd.spec.group}_${crd.spec.names.plural}.yaml`,
      renderCrd(crd),
    ]),
  );
}

/** The repository root, from this file's location. */
export const REPO_ROOT: URL = new URL("../../", import.meta.url);

/** Writes every generated file under `root`; returns the paths written. */
export async function writeCrdFiles(root: URL = REPO_ROOT): Promise<string[]> {
  const written: string[] = [];
  for (const [path, text] of renderCrdFiles()) {
    const url = new URL(path, root);
    await Deno.mkdir(new URL(".", url), { recursive: true });
    await Deno.writeTextFile(url, text);
    written.push(path);
  }
  return written;
}

if (import.meta.main) {
  for (const path of await writeCrdFiles()) console.log(`wrote ${path}`);
}

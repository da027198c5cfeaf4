{{/*
The manager's keys file (YAML `{keys: [{id, name, team, hash}], teams: {NAME: {maxSandboxes}}}`):
what the Secret already holds (looked up, so keys added by an earlier release or by hand survive an
upgrade), minus the ids in apiKeys.revoke, with apiKeys.keys and apiKeys.teams merged over it (an
entry replaces the stored one with its id). Offline (`helm template`) nothing is stored, so it is
the values alone. Renders the same text every time it is called in one render, so the Secret and
the manager pods' checksum agree.
*/}}
{{- define "kruise-agents.apiKeysFile" -}}
{{- $stored := dict }}
{{- $secret := lookup "v1" "Secret" .Release.Namespace (include "kruise-agents.apiKeysSecretName" .) }}
{{- $raw := dig "data" .Values.apiKeys.secretKey "" $secret }}
{{- if $raw }}
{{- $stored = $raw | b64dec | fromYaml }}
{{- if hasKey $stored "Error" }}
{{- fail (printf "Cannot read the keys file in Secret %s: %s (fix or delete the Secret)" (include "kruise-agents.apiKeysSecretName" .) $stored.Error) }}
{{- end }}
{{- end }}
{{- $given := dict }}
{{- range $i, $entry := .Values.apiKeys.keys }}
{{- include "kruise-agents.checkApiKey" (dict "entry" $entry "where" (printf "apiKeys.keys[%d]" $i)) }}
{{- $_ := set $given $entry.id true }}
{{- end }}
{{- $keys := list }}
{{- range (get $stored "keys" | default list) }}
{{- if not (or (has .id $.Values.apiKeys.revoke) (hasKey $given .id)) }}
{{- $keys = append $keys . }}
{{- end }}
{{- end }}
{{- range .Values.apiKeys.keys }}
{{- $keys = append $keys (dict "id" .id "name" (default .id .name) "team" .team "hash" (lower .hash)) }}
{{- end }}
{{- $teams := mergeOverwrite (deepCopy (get $stored "teams" | default dict)) (deepCopy .Values.apiKeys.teams) }}
{{- toYaml (dict "keys" $keys "teams" $teams) }}
{{- end }}

{{/*
Fails the render on an entry of apiKeys.keys the manager would refuse, or one that carries the key
itself: only hashes belong in values files.
*/}}
{{- define "kruise-agents.checkApiKey" -}}
{{- $e := .entry }}
{{- if not (kindIs "map" $e) }}
{{- fail (printf "%s must be an entry {id, name, team, hash}" .where) }}
{{- end }}
{{- if hasKey $e "key" }}
{{- fail (printf "%s has a \"key\" field: put only its hash in values (keygen prints the entry to use)" .where) }}
{{- end }}
{{- range $field := list "id" "team" "hash" }}
{{- if not (and (hasKey $e $field) (kindIs "string" (get $e $field)) (get $e $field)) }}
{{- fail (printf "%s.%s must be a non-empty string" $.where $field) }}
{{- end }}
{{- end }}
{{- if not (regexMatch "^[0-9a-fA-F]{64}$" $e.hash) }}
{{- fail (printf "%s.hash must be the SHA-256 hex digest of the key (64 hex characters)" .where) }}
{{- end }}
{{- end }}

#!/usr/bin/env bash
# Builds the agent image's Java runtime: jlink with the modules in runtime-modules.txt, which
# must cover what jdeps finds in the agent jar (checked here, so a new dependency on a JDK module
# fails this script, in the image build and in its test, rather than at run time on a node).
#   jlink-runtime.sh AGENT_JAR OUTPUT_DIR
# Uses jlink/jdeps of $JAVA_HOME (or the java on PATH); the runtime is the JDK's version.
set -euo pipefail
jar=$(readlink -f "$1") out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
jdk=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
modules=$(tr -d ' \n' <"$here/runtime-modules.txt")

# jdeps cannot read the shaded jar as a module (its dependencies' module-info classes name
# modules that are not there), so it reads the classes, as on the class path the agent runs on.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && unzip -q "$jar" && find . -name module-info.class -delete)
needed=$("$jdk/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 17 "$work")
for m in ${needed//,/ }; do
  if [[ ,$modules, != *,$m,* ]]; then
    echo "jlink-runtime.sh: the agent jar needs module $m, missing from runtime-modules.txt ($modules)" >&2
    exit 1
  fi
done

rm -rf "$out"
# With the JDK classes' CDS archive (lib/server/classes.jsa) the agent starts on about a fifth
# less CPU; its resident set is the same (the archive's pages replace the classes' metadata). The
# archive for heaps above 32 GiB (classes_nocoops.jsa) is dropped: the agent's heap is far smaller.
"$jdk/bin/jlink" --add-modules "$modules" --output "$out" \
  --strip-debug --no-header-files --no-man-pages --compress=2 --generate-cds-archive >/dev/null
rm -f "$out/lib/server/classes_nocoops.jsa"
echo "jlink-runtime.sh: $out ($modules; jdeps needs $needed)"

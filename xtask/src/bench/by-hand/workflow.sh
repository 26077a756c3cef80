#!/usr/bin/env bash
# The CI workflow of examples/nuremberg-mini written by hand: the steps a GitHub workflow runs
# around the justfile's recipes, as one script. `workflow.sh push` on a push to main,
# `prNum=N workflow.sh pr` on a pull request onto main. Like `hoist ci` without GitHub's
# variables, it learns from git what happened: a rerun on CI's own bump commit does nothing, a
# merged pull request bumps `patch` and a direct push `minor`, new data in the dump regenerates
# the data image and otherwise the previous version's data image is pulled and retagged.
set -euo pipefail
event=$1

if [[ $event == push ]]; then
    git fetch --quiet --force --tags origin
    if version=$(git describe --exact-match --tags --match 'v[0-9]*' HEAD 2>/dev/null); then
        echo "nothing to do: HEAD is $version"
        exit 0
    fi
    base=HEAD^1
else
    git fetch --quiet origin main
    base=$(git merge-base origin/main HEAD)
fi

new_data=false
git diff --quiet "$base" HEAD -- 'dumps/*latest*' || new_data=true

if [[ $event == push ]]; then
    subject=$(git log -1 --format=%s HEAD)
    if [[ $(git rev-list --parents -n 1 HEAD | wc -w) -gt 2 || $subject =~ \(#[0-9]+\)$ ]]; then
        part=patch
    else
        part=minor
    fi
fi

# No new data: the data image of main's current version (on main, the version before the
# bump) is pulled and kept as `REGISTRY:solr`; when there is none, it is regenerated.
if [[ $new_data == false ]]; then
    previous=$(prNum='' just tag)-solr
    if docker manifest inspect --insecure "$previous" >/dev/null 2>&1; then
        docker pull --quiet "$previous" >/dev/null
        docker tag "$previous" "$HOIST_REGISTRY:solr"
    else
        new_data=true
    fi
fi

[[ $event == pr ]] || just bump "$part"

if [[ $new_data == true ]]; then
    just regen-solr-image
else
    tag=$(just tag)-solr
    docker tag "$HOIST_REGISTRY:solr" "$tag"
    [[ $event == pr ]] || docker push --quiet "$tag" >/dev/null
fi

just test

if [[ $event == push ]]; then
    git push --quiet origin HEAD:main "refs/tags/$(just version)"
    just push release
    just push tester
    just deploy dev
fi

/*!
The git operations hoist needs, run through the `git` command line (so the user's
credentials, hooks and configuration apply), one argument per value through `xshell::cmd!`.
This is the one git layer: [`run`] and [`output`] are how every other crate (the version
engine's commit and tags, the GitOps checkout, image labels) calls git.

A [`Repo`] is a work tree. Besides the everyday questions (HEAD, resolve a revision, is the
tree dirty), it answers what a remote holds ([`Repo::remote_tags`], from `git ls-remote`, with
annotated tags peeled to their commits) and moves several tags in **one atomic push with a
lease on every ref** ([`Repo::push_tags_atomically`]): either every ref moves, or none does and
the error says which lease was stale.

```no_run
use hoist_git::{Repo, TagUpdate};

let repo = Repo::open(".".as_ref())?;
let remote = repo.remote_tags("origin", &["dev/deploy", "v1.2.3"])?;
let target = remote.commit("v1.2.3").expect("the version is tagged");
repo.push_tags_atomically("origin", &[TagUpdate {
    name: "dev/deploy".into(),
    expected: remote.commit("dev/deploy").cloned(),
    new: Some(target.clone()),
}])?;
# Ok::<(), hoist_git::GitError>(())
```
*/

mod error;
mod oid;
mod remote;
mod repo;

pub use error::GitError;
pub use oid::Oid;
pub use remote::{RemoteTag, RemoteTags, TagUpdate};
pub use repo::{Repo, first_error_line, output, run, run_with_env};

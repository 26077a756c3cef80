mod bump;
mod bump_my_version;
mod naming;

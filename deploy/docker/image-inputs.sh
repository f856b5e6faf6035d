# Sourced by codehub's image build scripts: images are rebuilt only when what they are made from
# changed. Each image carries the label io.codehub.inputs, a SHA-256 over its inputs (files,
# package versions, base image ids); a script compares it with the inputs of the checkout.

# Prints the SHA-256 of its arguments: files are hashed by content, anything else as text.
inputs_hash() {
  local item
  for item in "$@"; do
    if [ -f "$item" ]; then
      printf 'file %s ' "$(basename "$item")"
      sha256sum <"$item"
    else
      printf 'text %s\n' "$item"
    fi
  done | sha256sum | cut -d' ' -f1
}

# True when IMAGE exists and was built from inputs with the hash HASH.
image_current() { # IMAGE HASH
  [ "$(docker image inspect --format '{{ index .Config.Labels "io.codehub.inputs" }}' "$1" 2>/dev/null)" = "$2" ]
}

# The id of IMAGE, or nothing when it does not exist.
image_id() { # IMAGE
  docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true
}

# Removes the image OLD_ID when a rebuild left it without a tag (keeps the engine from filling up
# with stale copies); an id still tagged or used by a container is left alone.
remove_if_dangling() { # OLD_ID
  [ -n "$1" ] || return 0
  if [ "$(docker image inspect --format '{{len .RepoTags}}' "$1" 2>/dev/null)" = 0 ]; then
    docker image rm "$1" >/dev/null 2>&1 || true
  fi
}

# Installs Debian packages that are missing (as root, or through sudo).
ensure_packages() { # PACKAGE...
  local missing=() package
  for package in "$@"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "[images] installing ${missing[*]}" >&2
  local sudo_=
  [ "$(id -u)" -eq 0 ] || sudo_=sudo
  $sudo_ apt-get update -qq
  $sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
}

# Copies FILE into ROOT at the same path, with the shared libraries it loads (ldd), so that a
# rootfs made of this machine's binaries runs without the machine's /usr.
copy_with_libraries() { # ROOT FILE...
  local root=$1 file lib
  shift
  for file in "$@"; do
    [ -e "$root$file" ] || { mkdir -p "$root$(dirname "$file")"; cp -L "$file" "$root$file"; }
    for lib in $(ldd "$file" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
      if [ ! -e "$root$lib" ]; then
        mkdir -p "$root$(dirname "$lib")"
        cp -L "$lib" "$root$lib"
      fi
    done
  done
}

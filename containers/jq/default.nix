{ pkgs ? import <nixpkgs> {} }:

# No version here: it is whatever the pinned nixpkgs has for `jq`.
pkgs.dockerTools.buildLayeredImage {
  name = "jq";
  contents = [ pkgs.jq ];
  config.Entrypoint = [ "${pkgs.jq}/bin/jq" ];
}

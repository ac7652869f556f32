{ pkgs ? import <nixpkgs> {} }:

let
  # Keep in step with ARG CONTAINER_APP_VERSION in the Dockerfile.
  version = "2.14.0";
in
pkgs.dockerTools.buildLayeredImage {
  name = "ntfy";
  contents = [ pkgs.ntfy-sh pkgs.cacert pkgs.tzdata ];
  config = {
    Entrypoint = [ "${pkgs.ntfy-sh}/bin/ntfy" ];
    Cmd = [ "serve" ];
    ExposedPorts = { "80/tcp" = { }; };
  };
}

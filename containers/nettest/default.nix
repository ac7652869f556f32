{ pkgs ? import <nixpkgs> {} }:

let
  # The same script as the Dockerfile image, from this folder.
  testConnectivity = pkgs.writeShellScriptBin "test-connectivity.sh"
    (builtins.readFile ./test-connectivity.sh);
in
pkgs.dockerTools.buildLayeredImage {
  name = "nettest";
  contents = [
    pkgs.busybox
    pkgs.curl
    pkgs.dnsutils
    pkgs.cacert
    testConnectivity
  ];
  config = {
    Entrypoint = [ "${testConnectivity}/bin/test-connectivity.sh" ];
  };
}

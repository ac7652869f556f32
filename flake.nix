{
  # Pins the nixpkgs the example containers' default.nix files build with:
  # build-nix, nix-version and publish-nix read the `nixpkgs` input of
  # flake.lock. Update the pin with `nix flake update`.
  description = "blumeops-ci example containers";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-25.05";

  outputs = { self, nixpkgs }: { };
}

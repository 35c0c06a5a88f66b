"""Every `cmsbot` command."""

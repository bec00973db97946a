"""Exports of lifted poses for other tools: BVH (animation), TRC (OpenSim), joint angles (CSV + PNG).
All of them start from `world.to_world`: the camera frame turned into a Y-up world with the floor at Y = 0."""

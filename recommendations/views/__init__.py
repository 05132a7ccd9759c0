"""Thin views: fetch what the user may see, bind a form, call a service, redirect or render.

Every view needs a signed-in user (LoginRequiredMiddleware) and checks a
permission: `visible_finding` and friends return 404 for objects of another
force, and `require` answers 403 when the role does not allow the action.
"""

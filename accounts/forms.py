"""Input of the account pages. Validation of meaning (rules, duplicates) is in the actions."""

from django import forms


class SetupForm(forms.Form):
    business_name = forms.CharField(max_length=200, label="Business name")
    name = forms.CharField(max_length=150, label="Your name")
    username = forms.EmailField(max_length=254, label="Your email")  # the login limiter's key
    password = forms.CharField(max_length=4096, widget=forms.PasswordInput, label="Password")


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(max_length=150, required=False, label="Your name")
    password = forms.CharField(max_length=4096, widget=forms.PasswordInput, label="Password")


class ResetRequestForm(forms.Form):
    email = forms.EmailField(max_length=254)


class NewPasswordForm(forms.Form):
    password = forms.CharField(max_length=4096, widget=forms.PasswordInput, label="New password")


class ChangePasswordForm(forms.Form):
    current = forms.CharField(max_length=4096, widget=forms.PasswordInput, label="Current password")
    password = forms.CharField(max_length=4096, widget=forms.PasswordInput, label="New password")
